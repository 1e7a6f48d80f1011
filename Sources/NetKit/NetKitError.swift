import Foundation

/// A system call of NetKit failed, or a namespace or interface is not there.
public enum NetKitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `call` failed with `errno`.
    case callFailed(call: String, errno: Int32)
    /// The kernel answered a netlink request with an error.
    case netlink(request: String, errno: Int32)
    /// The kernel sent a message that does not parse.
    case malformed(String)

    public var description: String {
        switch self {
        case let .callFailed(call, code): return "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .netlink(request, code): return "netlink \(request) failed: \(String(cString: strerror(-code < 0 ? code : -code)))"
        case let .malformed(message): return "malformed netlink message: \(message)"
        }
    }
}
