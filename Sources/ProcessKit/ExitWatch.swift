import Foundation

/// Reaps one child on a thread of its own and hands its status to whoever waits, blocking or
/// suspended.
///
/// The thread first waits with `WNOWAIT` (the child stays a zombie, its pid taken), then takes
/// the lock and reaps: a signal sent under the lock while `status` is nil can never reach a
/// recycled pid.
///
/// `@unchecked Sendable`: every field is guarded by `condition`.
final class ExitWatch: @unchecked Sendable {
    private let condition = NSCondition()
    private var exited: TerminationStatus?
    private var waiters: [Int: CheckedContinuation<TerminationStatus?, Never>] = [:]
    private var nextWaiter = 0

    init(pid: pid_t) {
        DedicatedThread.start("ProcessKit reaper \(pid)") { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
            condition.lock()
            while waitid(P_PID, id_t(pid), &info, WEXITED) != 0 && errno == EINTR {}
            let status = TerminationStatus(info)
            exited = status
            let resumed = waiters.values
            waiters = [:]
            condition.broadcast()
            condition.unlock()
            for waiter in resumed { waiter.resume(returning: status) }
        }
    }

    /// How the child ended; nil while it runs.
    var status: TerminationStatus? { condition.withLock { exited } }

    /// Runs `body` under the lock if the child has not been reaped; nil otherwise.
    func whileRunning<T>(_ body: () -> T) -> T? {
        condition.withLock { exited == nil ? body() : nil }
    }

    /// Suspends until the child exits; nil when the task is cancelled first.
    func wait() async -> TerminationStatus? {
        let id = condition.withLock { () -> Int in nextWaiter += 1; return nextWaiter }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TerminationStatus?, Never>) in
                condition.lock()
                if let exited {
                    condition.unlock()
                    continuation.resume(returning: exited)
                } else if Task.isCancelled {
                    condition.unlock()
                    continuation.resume(returning: nil)
                } else {
                    waiters[id] = continuation
                    condition.unlock()
                }
            }
        } onCancel: {
            let waiter = condition.withLock { waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }

    /// Blocks until the child exits or `deadline` passes (nil then).
    func waitSynchronously(until deadline: ContinuousClock.Instant?) -> TerminationStatus? {
        condition.withLock {
            while exited == nil {
                guard let deadline else { condition.wait(); continue }
                let left = deadline - ContinuousClock.now
                guard left > .zero else { break }
                let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
                _ = condition.wait(until: Date().addingTimeInterval(seconds))
            }
            return exited
        }
    }
}
