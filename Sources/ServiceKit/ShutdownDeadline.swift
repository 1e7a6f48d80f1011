import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The bound on stopping: once SIGTERM or SIGINT arrives, a component that has not exited
/// within `limit` (a blocking call that ignores cancellation, a signal during start-up before its
/// service group runs) exits with status 0 anyway, saying so. The service group still does the
/// graceful shutdown; this only makes sure it cannot take longer than `limit`.
public enum ShutdownDeadline {
    /// Watches SIGTERM and SIGINT from now on: logs that the component stops, and exits after
    /// `limit` if it is still running. Call it first thing in a daemon's `run`.
    @discardableResult
    public static func arm(component: String, limit: Duration = .seconds(5), logger: Logger) async -> Task<Void, Never> {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        return Task.detached {
            for await signal in signals {
                logger.notice("stopping", metadata: ["component": "\(component)", "signal": "\(signal)"])
                try? await Task.sleep(for: limit)
                logger.warning("did not stop within \(limit.components.seconds) s of \(signal); exiting now",
                               metadata: ["component": "\(component)"])
                exit(0)
            }
        }
    }
}
