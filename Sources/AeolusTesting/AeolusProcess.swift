import Foundation

/// `aeolus <arguments>` running as a child process (a daemon: dictator, agent, collector), its
/// output appended to a log file. Stopped with SIGTERM (and waited for) by `stop()` or when the
/// object goes away; `kill()` stops it the hard way, as a crash would.
///
/// `@unchecked Sendable` (a class open to subclasses is not checked): every stored property is a
/// `let` of a Sendable type, so a test may stop or kill it from a thread of its own.
public class AeolusProcess: @unchecked Sendable {
    /// Where its standard output and error go.
    public let logFile: String
    private let process: ChildProcess

    /// Starts `aeolus arguments...`.
    public init(arguments: [String], logFile: String) throws {
        self.logFile = logFile
        process = try ChildProcess(AeolusBinary.path, arguments, environment: Git.environment,
                                   standardOutput: .file(logFile), standardError: .file(logFile))
    }

    deinit {
        stop()
    }

    /// The process id.
    public var pid: Int32 { process.pid }

    /// Whether the process still runs.
    public var isRunning: Bool { process.isRunning }

    /// Sends SIGTERM and waits; SIGKILL after `timeout` seconds. Returns the exit status.
    @discardableResult
    public func stop(timeout: TimeInterval = 10) -> Int32 {
        process.terminateSynchronously(grace: .seconds(timeout)).code
    }

    /// Sends SIGKILL (no graceful shutdown: nothing is released or written) and waits.
    public func kill() {
        process.killSynchronously()
    }

    /// Sends `signal` (e.g. SIGTERM) without waiting.
    public func send(_ signal: Int32) {
        _ = process.signal(signal)
    }

    /// Waits up to `timeout` for the process to exit (suspending, no thread of the pool held); how
    /// it ended, or nil while it still runs.
    public func exit(within timeout: Duration) async -> TerminationStatus? {
        await process.wait(timeout: timeout)
    }

    /// The log so far.
    public var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }
}
