/// Why the collector or one of its components could not do what was asked.
public enum CollectorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `host:port` that does not parse, or where nothing could listen.
    case invalidAddress(String)
    /// A component failed to start.
    case startFailed(component: String, message: String)
    /// The probes' state file is unreadable or malformed.
    case badProbeState(path: String, message: String)
    /// An export was refused and must not be retried (e.g. HTTP 400).
    case rejected(status: Int, message: String)
    /// An export failed after every retry.
    case exportFailed(message: String)
    /// A batch was refused because memory use is above the limit.
    case memoryLimit(String)

    public var description: String {
        switch self {
        case let .invalidAddress(address): return "invalid listen address \"\(address)\" (expected host:port)"
        case let .startFailed(component, message): return "\(component) failed to start: \(message)"
        case let .badProbeState(path, message): return "probe state \(path): \(message)"
        case let .rejected(status, message): return "rejected with HTTP \(status) (not retried): \(message)"
        case let .exportFailed(message): return "export failed: \(message)"
        case let .memoryLimit(message): return "memory limit: \(message)"
        }
    }
}
