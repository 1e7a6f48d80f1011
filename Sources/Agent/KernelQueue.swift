import Foundation

/// The one serial thread where the agent does kernel work (libbpf and netlink calls block):
/// async callers hop onto it and are resumed with the result, so the cooperative pool never
/// blocks and kernel state is touched by one thread at a time.
final class KernelQueue: Sendable {
    private let queue = DispatchQueue(label: "aeolus-agent-kernel")

    /// Runs `body` on the kernel queue and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on the kernel queue and waits (synchronous callers, never from the queue itself).
    func sync<T>(_ body: () throws -> T) rethrows -> T {
        try queue.sync(execute: body)
    }
}
