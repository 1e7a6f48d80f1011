import Foundation

/// The state one transfer shares between its libcurl thread (the producer) and the async task
/// reading it (the consumer): the response head, buffered body chunks, the outcome, cancellation.
///
/// Backpressure: at most `bufferLimit` bytes wait in the buffer. When it is full the write callback
/// blocks the transfer thread on the condition until the consumer takes a chunk. That thread is
/// dedicated to this one transfer, so blocking it stalls only this download (TCP flow control
/// then slows the server), never Swift's cooperative pool. This is simpler than
/// CURL_WRITEFUNC_PAUSE + curl_easy_pause, which must be called from the transfer thread.
///
/// `@unchecked Sendable`: every mutable field is read and written only with `condition` locked.
final class Transfer: @unchecked Sendable {
    private let condition = NSCondition()
    private let bufferLimit: Int
    private var chunks: [[UInt8]] = []
    private var bufferedBytes = 0
    private var head: HTTPResponseHead?
    private var outcome: Result<Void, any Error>?
    private var cancelled = false
    private var headWaiter: CheckedContinuation<HTTPResponseHead, any Error>?
    private var chunkWaiter: CheckedContinuation<[UInt8]?, any Error>?

    init(bufferLimit: Int) {
        self.bufferLimit = max(1, bufferLimit)
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    // MARK: producer side (the transfer thread)

    /// True once the consumer gave up: callbacks then abort the transfer.
    var isCancelled: Bool { locked { cancelled } }

    /// Publishes the response head (once).
    func deliver(head newHead: HTTPResponseHead) {
        let waiter: CheckedContinuation<HTTPResponseHead, any Error>? = locked {
            guard head == nil else { return nil }
            head = newHead
            defer { headWaiter = nil }
            return headWaiter
        }
        waiter?.resume(returning: newHead)
    }

    var hasHead: Bool { locked { head != nil } }

    /// The head, if it arrived.
    var headIfDelivered: HTTPResponseHead? { locked { head } }

    /// Hands a body chunk to the consumer, waiting while the buffer is full. False when the
    /// consumer is gone: the caller aborts the transfer.
    func push(_ chunk: [UInt8]) -> Bool {
        condition.lock()
        while !cancelled && chunkWaiter == nil && bufferedBytes >= bufferLimit {
            condition.wait()
        }
        if cancelled {
            condition.unlock()
            return false
        }
        if let waiter = chunkWaiter {
            chunkWaiter = nil
            condition.unlock()
            waiter.resume(returning: chunk)
            return true
        }
        chunks.append(chunk)
        bufferedBytes += chunk.count
        condition.unlock()
        return true
    }

    /// Records how the transfer ended and wakes whoever waits. A cancelled transfer always ends
    /// with `CancellationError`, whatever libcurl reported for the abort.
    func finish(_ result: Result<Void, any Error>) {
        let (headWaiter, chunkWaiter, final) = locked { () -> (CheckedContinuation<HTTPResponseHead, any Error>?, CheckedContinuation<[UInt8]?, any Error>?, Result<Void, any Error>) in
            let final: Result<Void, any Error> = cancelled ? .failure(CancellationError()) : result
            self.outcome = final
            defer {
                self.headWaiter = nil
                self.chunkWaiter = nil
                condition.broadcast()
            }
            return (self.headWaiter, self.chunkWaiter, final)
        }
        switch final {
        case .success:
            chunkWaiter?.resume(returning: nil as [UInt8]?)
            // A successful transfer always delivered its head first; this is only a safety net.
            headWaiter?.resume(throwing: CancellationError())
        case .failure(let error):
            chunkWaiter?.resume(throwing: error)
            headWaiter?.resume(throwing: error)
        }
    }

    // MARK: consumer side

    /// Aborts the transfer: waiters get `CancellationError`, the transfer thread stops at its
    /// next callback (at the latest within a second on an idle connection: libcurl calls the
    /// progress callback about once a second).
    func cancel() {
        let (headWaiter, chunkWaiter) = locked { () -> (CheckedContinuation<HTTPResponseHead, any Error>?, CheckedContinuation<[UInt8]?, any Error>?) in
            cancelled = true
            defer {
                self.headWaiter = nil
                self.chunkWaiter = nil
                condition.broadcast()
            }
            return (self.headWaiter, self.chunkWaiter)
        }
        headWaiter?.resume(throwing: CancellationError())
        chunkWaiter?.resume(throwing: CancellationError())
    }

    /// Waits for the response head. Cancelling the waiting task cancels the transfer.
    func awaitHead() async throws -> HTTPResponseHead {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<HTTPResponseHead, any Error>) in
                condition.lock()
                if let head {
                    condition.unlock()
                    waiter.resume(returning: head)
                } else if cancelled {
                    condition.unlock()
                    waiter.resume(throwing: CancellationError())
                } else if case .failure(let error) = outcome {
                    condition.unlock()
                    waiter.resume(throwing: error)
                } else {
                    headWaiter = waiter
                    condition.unlock()
                }
            }
        } onCancel: {
            cancel()
        }
    }

    /// The next body chunk, nil at the end. Cancelling the waiting task cancels the transfer.
    func nextChunk() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<[UInt8]?, any Error>) in
                condition.lock()
                if !chunks.isEmpty {
                    let chunk = chunks.removeFirst()
                    bufferedBytes -= chunk.count
                    condition.signal()
                    condition.unlock()
                    waiter.resume(returning: chunk)
                } else if cancelled {
                    condition.unlock()
                    waiter.resume(throwing: CancellationError())
                } else if let outcome {
                    condition.unlock()
                    waiter.resume(with: outcome.map { () -> [UInt8]? in nil })
                } else {
                    chunkWaiter = waiter
                    condition.signal()
                    condition.unlock()
                }
            }
        } onCancel: {
            cancel()
        }
    }

    /// Drains the buffer without waiting; for the synchronous API, after the transfer ended.
    func takeAll() -> [[UInt8]] {
        locked {
            defer { chunks = []; bufferedBytes = 0 }
            return chunks
        }
    }
}

/// Cancels its transfer when the last holder (a body stream or its iterator) goes away, so that
/// a consumer that stops reading early never leaves a transfer thread blocked.
final class TransferToken: Sendable {
    let transfer: Transfer

    init(_ transfer: Transfer) {
        self.transfer = transfer
    }

    deinit {
        transfer.cancel()
    }
}
