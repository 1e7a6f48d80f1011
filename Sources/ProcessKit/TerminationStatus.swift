#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
public enum TerminationStatus: Sendable, Hashable, CustomStringConvertible {
    /// It called `exit` with this code.
    case exited(Int32)
    /// A signal (this number) killed it.
    case signalled(Int32)

    /// The exit code, or the signal number when a signal killed it (what `Subprocess.Output.status`
    /// and shells' `$?` minus 128 report).
    public var code: Int32 {
        switch self {
        case .exited(let code), .signalled(let code): code
        }
    }

    /// Whether it exited with code 0.
    public var isSuccess: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): "exited with \(code)"
        case .signalled(let signal): "killed by signal \(signal)"
        }
    }

    /// The status `waitid` reported in `info`.
    init(_ info: siginfo_t) {
        let status = info._sifields._sigchld.si_status
        self = info.si_code == CLD_EXITED ? .exited(status) : .signalled(status)
    }
}
