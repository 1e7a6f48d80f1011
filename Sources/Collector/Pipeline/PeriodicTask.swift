import Foundation

/// A loop that runs `tick` now and then every `interval` until stopped: the timer of receivers,
/// the batch processor's flush and the exporters' senders.
///
/// `@unchecked Sendable`: the task handle is set once in `start` and read in `stop`, guarded by `lock`.
final class PeriodicTask: @unchecked Sendable {
    private let interval: Duration
    private let tick: @Sendable () async -> Void
    private let lock = NSLock()
    private var task: Task<Void, Never>?

    init(interval: Duration, tick: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.tick = tick
    }

    /// Starts the loop; the first tick runs after `initialDelay`.
    func start(initialDelay: Duration = .zero) {
        let interval = self.interval, tick = self.tick
        let task = Task {
            if initialDelay > .zero { try? await Task.sleep(for: initialDelay) }
            while !Task.isCancelled {
                await tick()
                try? await Task.sleep(for: interval)
            }
        }
        lock.withLock { self.task = task }
    }

    /// Cancels the loop and waits for the running tick to end.
    func stop() async {
        let task = lock.withLock { () -> Task<Void, Never>? in defer { self.task = nil }; return self.task }
        task?.cancel()
        await task?.value
    }
}
