import AeolusModel
import Synchronization

/// One open assignment watch: what its stream has not sent yet. Only the newest assignment is
/// kept (assignments are whole, so an older one is worth nothing once a newer exists) and at most
/// one heartbeat, which never replaces an assignment: a slow or dead watcher holds one assignment
/// and never delays the others or grows. `DictatorState` delivers; the HTTP response iterates.
public final class AssignmentWatch: AsyncSequence, Sendable {
    public typealias Element = WatchEvent

    private struct State {
        var assignment: NodeAssignment?
        var heartbeat = false
        var finished = false
        var waiter: CheckedContinuation<WatchEvent?, Never>?
        var onEnd: (@Sendable () -> Void)?
    }

    private let state: Mutex<State>

    init(onEnd: @escaping @Sendable () -> Void) {
        state = Mutex(State(onEnd: onEnd))
    }

    /// Queues `event`: an assignment replaces any assignment not sent yet; a heartbeat is dropped
    /// when anything is already waiting to be sent.
    func deliver(_ event: WatchEvent) {
        let waiter = state.withLock { state -> CheckedContinuation<WatchEvent?, Never>? in
            guard !state.finished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            switch event {
            case .assignment(let assignment): state.assignment = assignment
            case .heartbeat: state.heartbeat = state.assignment == nil
            }
            return nil
        }
        waiter?.resume(returning: event)
    }

    /// Ends the stream after what is queued (graceful shutdown).
    func finish() {
        let (waiter, onEnd) = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil; state.onEnd = nil }
            return (state.waiter, state.waiter == nil ? nil : state.onEnd)
        }
        waiter?.resume(returning: nil)
        onEnd?()
    }

    /// The next event, nil once finished (or when the waiting task is cancelled).
    func next() async -> WatchEvent? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> WatchEvent?? in
                    if let event = Self.pop(&state) { return .some(event) }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            end()
        }
    }

    /// Stops the watch from the consumer's side (the connection went away).
    func end() {
        let (waiter, onEnd) = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil; state.onEnd = nil }
            return (state.waiter, state.onEnd)
        }
        waiter?.resume(returning: nil)
        onEnd?()
    }

    private static func pop(_ state: inout State) -> WatchEvent? {
        if let assignment = state.assignment {
            state.assignment = nil
            state.heartbeat = false
            return .assignment(assignment)
        }
        if state.heartbeat {
            state.heartbeat = false
            return .heartbeat
        }
        return nil
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let watch: AssignmentWatch
        public mutating func next() async -> WatchEvent? { await watch.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(watch: self) }
}
