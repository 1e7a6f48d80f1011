import Foundation

/// Starting child processes that can be stopped with signals.
///
/// Swift concurrency's worker threads (and others) block most signals, and a child started with
/// `Process` inherits the calling thread's blocked mask: a SIGTERM sent to it then stays pending
/// for ever. `launch` starts the child from a fresh thread whose signal mask is empty. Every
/// component, tool and test of Aeolus starts its children this way.
public enum ChildProcess {
    /// Starts `process` (configured, not yet running) with no signal blocked.
    public static func launch(_ process: Process) throws {
        try withUnblockedSignals { try process.run() }
    }

    /// Sends SIGTERM, waits up to `timeout` seconds, then SIGKILL; returns the exit status.
    @discardableResult
    public static func stop(_ process: Process, timeout: TimeInterval = 10) -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs `body` on a new thread with no signal blocked, and waits for it.
    static func withUnblockedSignals<T>(_ body: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let work = UncheckedBody(body)
        let thread = Thread {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            box.result = Result { try work.body() }
            done.signal()
        }
        thread.start()
        done.wait()
        return try box.result!.get()
    }

    /// The result of the other thread.
    /// @unchecked Sendable: written by the thread before `done` is signalled, read after the wait.
    private final class ResultBox<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
        init() {}
    }

    /// A closure handed to one other thread and run there once.
    /// @unchecked Sendable: the closure runs on exactly one thread while the caller waits.
    private struct UncheckedBody<T>: @unchecked Sendable {
        let body: () throws -> T
        init(_ body: @escaping () throws -> T) { self.body = body }
    }
}
