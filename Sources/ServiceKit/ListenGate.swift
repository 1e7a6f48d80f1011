import Foundation
import ServiceLifecycle

/// Opens once a component's server listens. The services that must not start before (a
/// reconciler that would report "ready", an agent loop that would register) wait behind it, so a
/// port that cannot be bound stops the component before anything else has happened.
///
/// `@unchecked Sendable`: `port` is guarded by `lock`.
public final class ListenGate: @unchecked Sendable {
    private let lock = NSLock()
    private var boundPort: Int?

    /// A closed gate.
    public init() {}

    /// Opens the gate: the server listens on `port`.
    public func open(port: Int) {
        lock.withLock { boundPort = port }
    }

    /// The port once the server listens; nil before.
    public var port: Int? { lock.withLock { boundPort } }

    /// Waits until the gate opens; nil when graceful shutdown or cancellation comes first (the
    /// server failed to bind, or the component was asked to stop).
    public func wait() async -> Int? {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let port { return port }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return port
    }

    /// `service` started only once the gate opens; it never starts when the server fails or the
    /// component stops first.
    public func after(_ service: any Service) -> any Service {
        AfterListening(gate: self, service: service)
    }
}

/// A service that starts once its gate opens.
struct AfterListening: Service, CustomStringConvertible {
    let gate: ListenGate
    let service: any Service

    var description: String { "\(service)" }

    func run() async throws {
        guard await gate.wait() != nil, !Task.isShuttingDownGracefully else { return }
        try await service.run()
    }
}
