#if canImport(Glibc)
import Glibc
#endif

/// A system call failed while starting, signalling or talking to a child process.
public struct ProcessError: Error, CustomStringConvertible, Sendable {
    /// The C call that failed (`posix_spawn`, `pipe2`, `open`, ...).
    public var call: String
    /// Its errno.
    public var code: Int32
    /// What was being done (the command line, the file).
    public var context: String

    /// The error for `call` failing with `code` while doing `context`.
    public init(call: String, code: Int32, context: String) {
        self.call = call
        self.code = code
        self.context = context
    }

    public var description: String {
        "\(call) failed (\(String(cString: strerror(code)))): \(context)"
    }
}
