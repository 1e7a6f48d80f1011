import Foundation

/// Runs blocking work on a dedicated thread and hands the result back to async code.
enum BlockingCall {
    /// Runs `body` on a new thread; the calling task suspends (without holding a pool thread)
    /// until it finishes.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = "GitKit blocking call"
            thread.start()
        }
    }
}
