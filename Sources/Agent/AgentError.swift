/// Why the agent could not do something: a case to branch on and a message a user can act on.
public enum AgentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An input file (assignments, pods) could not be read or parsed.
    case inputUnreadable(path: String, reason: String)
    /// A probe's object could not be found or does not match its digest.
    case objectUnavailable(probe: String, reason: String)
    /// A program names a hook or target the agent cannot attach.
    case unsupportedAttachment(String)
    /// The state directory or bpffs could not be written.
    case stateUnwritable(path: String, reason: String)
    /// Command-line options do not fit together.
    case invalidOptions(String)
    /// The dictator answered with an error, or could not be reached.
    case dictator(String)
    /// The pod inventory does not know the node's pods yet.
    case inventoryNotReady(String)

    public var description: String {
        switch self {
        case let .inputUnreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .objectUnavailable(probe, reason): return "probe \(probe): object unavailable: \(reason)"
        case let .unsupportedAttachment(message): return "cannot attach: \(message)"
        case let .stateUnwritable(path, reason): return "cannot write \(path): \(reason)"
        case let .dictator(message): return "dictator: \(message)"
        case let .inventoryNotReady(message): return "pod inventory not ready: \(message)"
        case let .invalidOptions(message): return "invalid options: \(message)"
        }
    }
}
