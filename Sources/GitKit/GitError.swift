import CGit2

/// A failed libgit2 call: which call, libgit2's return code and error class, and its message.
///
/// `kind` sorts the failure into the cases a caller reacts to differently (retry after a fetch on
/// `.nonFastForward`, report credentials on `.authentication`, ...).
public struct GitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failure classes callers act upon.
    public enum Kind: Sendable, Equatable {
        /// The remote (or libgit2 locally) refused a push that is not a fast-forward: fetch,
        /// re-apply the change on top of the remote branch and push again.
        case nonFastForward
        /// The remote rejected a pushed reference for another reason (hook, permissions, ...).
        case pushRejected
        /// A reference, revision, remote or path does not exist.
        case notFound
        /// Credentials missing or rejected.
        case authentication
        /// The server's certificate or ssh host key did not verify.
        case certificate
        /// A reference or object already exists.
        case exists
        /// A revision string could not be parsed.
        case invalidSpec
        /// A path or argument was invalid (checked by GitKit before calling libgit2).
        case invalidArgument
        /// Anything else: see `code`, `errorClass` and `message`.
        case other
    }

    /// The failure class.
    public var kind: Kind
    /// The libgit2 function that failed, e.g. `git_remote_push`.
    public var call: String
    /// libgit2's return code (`GIT_E*`, negative), or 0 when GitKit detected the failure itself.
    public var code: Int32
    /// libgit2's error class (`GIT_ERROR_*`), 0 when none was set.
    public var errorClass: Int32
    /// libgit2's message (from `git_error_last()`), or GitKit's own explanation.
    public var message: String

    /// Builds an error from its parts.
    public init(kind: Kind, call: String, code: Int32 = 0, errorClass: Int32 = 0, message: String) {
        self.kind = kind
        self.call = call
        self.code = code
        self.errorClass = errorClass
        self.message = message
    }

    /// The error libgit2 reported for `call`, which returned `code`: reads `git_error_last()`.
    init(call: String, code: Int32) {
        var message = "libgit2 returned \(code) without a message"
        var errorClass: Int32 = 0
        if let last = git_error_last() {
            errorClass = last.pointee.klass
            if let text = last.pointee.message { message = String(cString: text) }
        }
        self.init(kind: Self.kind(code: code, errorClass: errorClass), call: call, code: code,
                  errorClass: errorClass, message: message)
    }

    static func kind(code: Int32, errorClass: Int32) -> Kind {
        switch code {
        case GIT_ENONFASTFORWARD.rawValue: return .nonFastForward
        case GIT_ENOTFOUND.rawValue: return .notFound
        case GIT_EAUTH.rawValue: return .authentication
        case GIT_ECERTIFICATE.rawValue: return .certificate
        case GIT_EEXISTS.rawValue: return .exists
        case GIT_EINVALIDSPEC.rawValue: return .invalidSpec
        default:
            return errorClass == Int32(GIT_ERROR_SSL.rawValue) ? .certificate : .other
        }
    }

    /// `call failed (code, class): message`.
    public var description: String {
        "\(call) failed (code \(code), class \(errorClass)): \(message)"
    }
}

/// Throws a `GitError` naming `call` when a libgit2 return code is negative; returns it otherwise.
@discardableResult
func check(_ call: String, _ code: Int32) throws -> Int32 {
    if code < 0 { throw GitError(call: call, code: code) }
    return code
}
