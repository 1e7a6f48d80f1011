import CBPF
import Foundation

/// The records of a `BPF_MAP_TYPE_RINGBUF` map, as an AsyncSequence of byte arrays.
///
/// A dedicated thread polls the ring buffer (100 ms timeout, so it notices a stop) and yields
/// each record. It stops when `close()` is called, when the consumer's task is cancelled or
/// the iteration ends, or on a poll error; the sequence then finishes.
///
/// `@unchecked Sendable`: the libbpf ring buffer is touched only by the polling thread;
/// `stop` is a lock-protected flag.
public final class RingBuffer: AsyncSequence, @unchecked Sendable {
    public typealias Element = [UInt8]

    private let records: AsyncStream<[UInt8]>
    private let state: PollState

    /// Starts consuming `map`, which must be a ring buffer map. Keeps the map handle alive.
    public init(map: Map, pollTimeoutMilliseconds: Int32 = 100) throws {
        guard map.type == .ringbuf else {
            throw BPFError.invalidArgument("map '\(map.name)' is a \(map.type) map, not ringbuf")
        }
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .unbounded)
        let state = PollState(continuation: continuation)
        let context = Unmanaged.passRetained(state)
        let ring = try map.withFD { fd in
            try LibBPF.pointer("ring_buffer__new(\(map.name))") {
                ring_buffer__new(fd, { context, data, size in
                    guard let context, let data else { return 0 }
                    let state = Unmanaged<PollState>.fromOpaque(context).takeUnretainedValue()
                    state.continuation.yield([UInt8](UnsafeRawBufferPointer(start: data, count: size)))
                    return 0
                }, context.toOpaque(), nil)
            }
        }
        records = stream
        self.state = state
        continuation.onTermination = { _ in state.requestStop() }
        let pointer = UncheckedPointer(ring)
        let thread = Thread {
            withExtendedLifetime(map) {
                while !state.stopRequested {
                    let rc = ring_buffer__poll(pointer.value, pollTimeoutMilliseconds)
                    if rc < 0 && rc != -EINTR { break }
                }
                ring_buffer__free(pointer.value)
                state.continuation.finish()
                context.release()
                state.finished.signal()
            }
        }
        thread.name = "bpfkit-ringbuf"
        thread.start()
    }

    deinit { state.requestStop() }

    /// Stops polling, waits for the polling thread to release the ring buffer, and finishes
    /// the sequence (idempotent).
    public func close() {
        guard state.requestStop() else { return }
        state.finished.wait()
    }

    public func makeAsyncIterator() -> AsyncStream<[UInt8]>.Iterator { records.makeAsyncIterator() }
}

/// Shared between the ring buffer's owner, its polling thread and the stream's termination.
///
/// `@unchecked Sendable`: `stop` is guarded by `lock`; the continuation is Sendable.
private final class PollState: @unchecked Sendable {
    let continuation: AsyncStream<[UInt8]>.Continuation
    let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stop = false

    init(continuation: AsyncStream<[UInt8]>.Continuation) { self.continuation = continuation }

    var stopRequested: Bool { lock.withLock { stop } }

    /// Asks the thread to stop; true for the first caller.
    @discardableResult
    func requestStop() -> Bool { lock.withLock { defer { stop = true }; return !stop } }
}
