import Foundation

/// Runs blocking work on a new thread of its own, off Swift's cooperative pool.
///
/// Also the place for work that changes per-thread state (setns): the thread exists only for
/// that work, so no other code ever runs in the changed state.
enum DedicatedThread {
    /// Runs `body` on a new thread and waits for it (synchronous callers).
    static func run<T: Sendable>(_ name: String = "bpfkit", _ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.set(Result { try body() })
            done.signal()
        }
        thread.name = name
        thread.start()
        done.wait()
        return try box.get()
    }

    /// Runs `body` on a new thread and resumes the caller when it finishes (async callers).
    static func run<T: Sendable>(_ name: String = "bpfkit", _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = name
            thread.start()
        }
    }
}

/// A result handed from a worker thread to the waiting thread.
///
/// `@unchecked Sendable`: written once by the worker before `signal()`, read once after `wait()`;
/// the semaphore orders the two accesses.
private final class ResultBox<T>: @unchecked Sendable {
    private var result: Result<T, Error>?
    func set(_ value: Result<T, Error>) { result = value }
    func get() throws -> T { try result!.get() }
}
