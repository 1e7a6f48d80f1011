import Foundation

/// A wake-up signal for a loop that otherwise sleeps: `wait(upTo:)` returns when signalled, when
/// the time is up, or at once when stopped. A signal given while nobody waits is kept (once).
actor Wakeup {
    private var pending = false
    private var stopped = false
    private var waiter: (id: UUID, continuation: CheckedContinuation<Void, Never>)?

    /// Whether `stop()` was called.
    var isStopped: Bool { stopped }

    /// Waits for a signal, `timeout` or `stop()`.
    func wait(upTo timeout: Duration) async {
        if stopped { return }
        if pending { pending = false; return }
        let id = UUID()
        await withCheckedContinuation { continuation in
            waiter = (id, continuation)
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.resume(id: id)
            }
        }
    }

    private func resume(id: UUID?) {
        guard let waiter, id == nil || waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume()
    }

    /// Wakes the waiter now, or the next one to wait.
    func signal() {
        if waiter != nil { resume(id: nil) } else { pending = true }
    }

    /// Wakes the waiter and every later one at once.
    func stop() {
        stopped = true
        resume(id: nil)
    }
}
