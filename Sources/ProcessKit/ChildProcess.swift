import Foundation

/// A child process started with `posix_spawn`, without Foundation's `Process`.
///
/// - The child starts with no signal blocked and every signal at its default disposition
///   (Swift's pool threads block signals, and a child would inherit that mask: a SIGTERM to it
///   would stay pending for ever).
/// - It inherits no descriptor but its standard input, output and error: every pipe is made
///   close-on-exec and the child closes every descriptor from 3 on before `exec`, so a pipe's
///   write end never leaks into a concurrently spawned child (whose reader would then never see
///   end of file).
/// - A thread of its own reaps it with `waitid(P_PID, pid)`: no SIGCHLD handler to miss, no
///   `waitpid(-1)` stealing another's child, and no zombie even when nobody waits.
/// - Waits are bounded and never block the cooperative pool: `wait()` and `wait(timeout:)`
///   suspend; the `…Synchronously` variants block and are for deinit and teardown paths off the pool.
///
/// `@unchecked Sendable`: the mutable state lives in `ExitWatch`, guarded by its condition lock.
public final class ChildProcess: @unchecked Sendable {
    /// The child's process id (its process group id too, with `newProcessGroup`).
    public let pid: pid_t
    /// The write end of its standard input, when that is `.pipe`.
    public let standardInput: PipeWriter?
    /// The read end of its standard output, when that is `.pipe`.
    public let standardOutput: PipeReader?
    /// The read end of its standard error, when that is `.pipe`.
    public let standardError: PipeReader?
    /// How it was started.
    public let configuration: Configuration
    private let watch: ExitWatch

    /// Starts `configuration.executable`. Throws `ProcessError` naming the failing call.
    public init(_ configuration: Configuration) throws {
        let spawned = try Spawn.start(configuration)
        self.configuration = configuration
        pid = spawned.pid
        standardInput = spawned.input.map(PipeWriter.init(fd:))
        standardOutput = spawned.output.map(PipeReader.init(fd:))
        standardError = spawned.error.map(PipeReader.init(fd:))
        watch = ExitWatch(pid: spawned.pid)
    }

    /// Starts `executable` with `arguments`; see `Configuration` for the rest.
    public convenience init(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                            currentDirectory: String? = nil, standardInput: Redirect = .null,
                            standardOutput: Redirect = .inherit, standardError: Redirect = .inherit,
                            newProcessGroup: Bool = false) throws {
        try self.init(Configuration(executable: executable, arguments: arguments, environment: environment,
                                    currentDirectory: currentDirectory, standardInput: standardInput,
                                    standardOutput: standardOutput, standardError: standardError,
                                    newProcessGroup: newProcessGroup))
    }

    /// Whether it has not exited yet.
    public var isRunning: Bool { watch.status == nil }

    /// How it ended; nil while it runs.
    public var exitStatus: TerminationStatus? { watch.status }

    /// Sends `signal` (to its whole process group with `newProcessGroup`) unless it has been
    /// reaped already; never hits a recycled pid. Returns whether the signal was sent.
    @discardableResult
    public func signal(_ signal: Int32) -> Bool {
        watch.whileRunning { Glibc.kill(configuration.newProcessGroup ? -pid : pid, signal) == 0 } ?? false
    }

    /// Suspends until it exits. Throws `CancellationError` when the task is cancelled first.
    public func wait() async throws -> TerminationStatus {
        guard let status = await watch.wait() else { throw CancellationError() }
        return status
    }

    /// Suspends until it exits or `timeout` passes (nil then: it still runs).
    public func wait(timeout: Duration) async -> TerminationStatus? {
        await withTaskGroup(of: TerminationStatus?.self) { group in
            group.addTask { await self.watch.wait() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            return first ?? watch.status
        }
    }

    /// SIGTERM, up to `grace` for it to exit, then SIGKILL; suspends until it is reaped.
    @discardableResult
    public func terminate(grace: Duration = .seconds(10)) async -> TerminationStatus {
        signal(SIGTERM)
        if let status = await wait(timeout: grace) { return status }
        signal(SIGKILL)
        return await watch.wait() ?? waitSynchronously()
    }

    /// SIGKILL, and suspends until it is reaped.
    @discardableResult
    public func kill() async -> TerminationStatus {
        signal(SIGKILL)
        return await watch.wait() ?? waitSynchronously()
    }

    /// Blocks the calling thread until it exits. Not for the cooperative pool: for deinit and
    /// teardown paths, and threads of their own.
    @discardableResult
    public func waitSynchronously() -> TerminationStatus {
        watch.waitSynchronously(until: nil)!
    }

    /// Blocks the calling thread until it exits or `timeout` passes (nil then).
    public func waitSynchronously(timeout: Duration) -> TerminationStatus? {
        watch.waitSynchronously(until: ContinuousClock.now + timeout)
    }

    /// SIGTERM, up to `grace`, SIGKILL, reaped; blocking (see `waitSynchronously()`).
    @discardableResult
    public func terminateSynchronously(grace: Duration = .seconds(10)) -> TerminationStatus {
        signal(SIGTERM)
        if let status = waitSynchronously(timeout: grace) { return status }
        return killSynchronously()
    }

    /// SIGKILL and reaped; blocking (see `waitSynchronously()`).
    @discardableResult
    public func killSynchronously() -> TerminationStatus {
        signal(SIGKILL)
        return waitSynchronously()
    }

    /// The command line, for messages.
    public var commandLine: String { ([configuration.executable] + configuration.arguments).joined(separator: " ") }
}
