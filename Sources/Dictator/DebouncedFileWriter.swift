import Foundation
import Logging
import ProcessKit
import Synchronization

/// Writes the newest of a stream of values to a file at most once per `interval`, encoding and
/// writing on a thread of its own: a caller that changes the value thousands of times a second
/// (a registration storm) pays for a flag, not for a copy and an encoding of everything each
/// time. The file is replaced atomically (written beside it, then renamed). `write(_:)` writes at
/// once (graceful shutdown).
final class DebouncedFileWriter<Value: Sendable>: Sendable {
    private struct State {
        var scheduled = false
    }

    /// The file written.
    let path: String
    private let interval: Duration
    private let encode: @Sendable (Value) throws -> Data
    private let logger: Logger
    private let state = Mutex(State())
    /// Serialises writes (a shutdown write during a scheduled one).
    private let writing = Mutex(())

    init(path: String, interval: Duration = .seconds(1), logger: Logger, encode: @escaping @Sendable (Value) throws -> Data) {
        self.path = path
        self.interval = interval
        self.logger = logger
        self.encode = encode
    }

    /// Asks for a write within `interval`: then `snapshot` gives the value to write (nil: none).
    /// Calls while a write is scheduled are free. The writer holds no value between writes, so
    /// the caller's copy-on-write storage is never shared while it changes.
    func schedule(_ snapshot: @escaping @Sendable () async -> Value?) {
        let first = state.withLock { state -> Bool in
            defer { state.scheduled = true }
            return !state.scheduled
        }
        guard first else { return }
        let interval = interval
        Task.detached { [self] in
            try? await Task.sleep(for: interval)
            // A change from now on schedules the next write: none is lost to this one.
            state.withLock { $0.scheduled = false }
            guard let value = await snapshot() else { return }
            await DedicatedThread.run("aeolus-persist") { self.write(value) }
        }
    }

    /// Whether a write is scheduled (a change not yet written).
    var isScheduled: Bool { state.withLock { $0.scheduled } }

    /// Writes `value` now (blocking). Writes never overlap; one scheduled write whose snapshot
    /// was taken before a `write` may still land after it, at most `interval` older.
    func write(_ value: Value) {
        state.withLock { $0.scheduled = false }
        writing.withLock { _ in
            do {
                let data = try encode(value)
                let temporary = path + ".tmp"
                try data.write(to: URL(fileURLWithPath: temporary))
                guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
            } catch {
                logger.error("cannot write \(path)", metadata: ["error": "\(error)"])
            }
        }
    }
}
