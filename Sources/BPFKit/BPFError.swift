import Foundation

/// Why a BPFKit operation failed: a case to branch on, and a message a user can act on.
public enum BPFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A libbpf function or BPF syscall failed: the call, the errno, and libbpf's own messages.
    case callFailed(call: String, errno: Int32, message: String)
    /// The kernel's verifier refused `program`; `log` is the verifier's log for it.
    case verifierRejected(program: String, log: String)
    /// The hook this program needs does not exist on this kernel (e.g. kprobes, fentry).
    case hookNotSupported(String)
    /// A named program, map, variable, interface or pin does not exist.
    case notFound(String)
    /// An argument does not fit the object (wrong size, wrong program type, ...).
    case invalidArgument(String)
    /// The operation was attempted on a closed object.
    case closed(String)

    public var description: String {
        switch self {
        case let .callFailed(call, errno, message):
            let reason = String(cString: strerror(errno))
            return message.isEmpty ? "\(call) failed: \(reason) (errno \(errno))"
                : "\(call) failed: \(reason) (errno \(errno)): \(message)"
        case let .verifierRejected(program, log):
            return "the verifier rejected program '\(program)':\n\(log)"
        case let .hookNotSupported(message): return "hook not supported on this kernel: \(message)"
        case let .notFound(message): return "not found: \(message)"
        case let .invalidArgument(message): return "invalid argument: \(message)"
        case let .closed(what): return "\(what) is closed"
        }
    }

    /// The errno of a failed call, if this error is one.
    public var errno: Int32? {
        if case let .callFailed(_, errno, _) = self { return errno }
        return nil
    }
}
