import Foundation

/// Blocking work on a thread of its own, never on Swift's cooperative pool: child processes here,
/// and every other module's blocking calls (libgit2, libbpf loads and tc, clang, map reads, file
/// I/O of state) through `run`. The one place Aeolus starts such a thread.
///
/// Also the place for work that changes per-thread state (setns): the thread exists only for that
/// work, so no other code ever runs in the changed state.
public enum DedicatedThread {
    /// Starts `body` on a new thread and returns at once. Pipe readers and writers need little
    /// stack; `run`'s callers (a compile, a fixture) get the usual 8 MiB.
    static func start(_ name: String, stackSize: Int = 256 * 1024, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }

    /// Starts `body` on a new thread; `Pending.value` blocks until it returned.
    static func pending<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) -> Pending<T> {
        let pending = Pending<T>()
        start(name) { pending.set(body()) }
        return pending
    }

    /// Runs `body` on a new thread and suspends (without holding a pool thread) until it returned.
    public static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            start(name, stackSize: 8 << 20) { continuation.resume(returning: body()) }
        }
    }

    /// Runs `body` on a new thread and suspends (without holding a pool thread) until it returned
    /// or threw.
    public static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            start(name, stackSize: 8 << 20) { continuation.resume(with: Result { try body() }) }
        }
    }
}

extension DedicatedThread {
    /// Runs `body` on a new thread and blocks the calling thread until it returned or threw: for
    /// synchronous callers that must not run `body` themselves (it changes per-thread state).
    /// Never call it from async code: use `run`.
    public static func runAndWait<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let pending = Pending<Result<T, any Error>>()
        start(name, stackSize: 8 << 20) { pending.set(Result { try body() }) }
        return try pending.value.get()
    }
}

/// A value another thread delivers once.
///
/// `@unchecked Sendable`: `result` is guarded by `condition`.
final class Pending<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: T?

    func set(_ value: T) {
        condition.withLock { result = value; condition.broadcast() }
    }

    /// Blocks until the value is there.
    var value: T {
        condition.withLock {
            while result == nil { condition.wait() }
            return result!
        }
    }
}
