import CCurl

/// A response body read incrementally: each element is a chunk of bytes as libcurl received it.
///
/// Iterate it once. Stopping early (leaving the loop, dropping the stream) or cancelling the
/// reading task aborts the transfer. At most the client's `streamBufferLimit` bytes wait unread;
/// beyond that the transfer pauses until the reader catches up (see `HTTPClient`).
///
/// A custom sequence rather than `AsyncThrowingStream`: the stream's buffering policies either grow
/// without bound or drop chunks, and neither is acceptable for a body.
public struct HTTPBodyStream: AsyncSequence, Sendable {
    /// A chunk of body bytes.
    public typealias Element = [UInt8]

    let token: TransferToken

    /// Reads the chunks in order; throws `CurlError` when the transfer fails midway and
    /// `CancellationError` when it was cancelled.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let token: TransferToken
        var done = false

        /// The next chunk, nil after the last one.
        public mutating func next() async throws -> [UInt8]? {
            if done { return nil }
            do {
                guard let chunk = try await token.transfer.nextChunk() else {
                    done = true
                    return nil
                }
                return chunk
            } catch {
                done = true
                throw error
            }
        }
    }

    /// The iterator (iterate once).
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(token: token) }

    /// The body split at `\n` (a trailing `\r` removed): newline-delimited JSON such as a
    /// Kubernetes watch. Lines longer than `maxLineLength` bytes fail the sequence.
    public func lines(maxLineLength: Int = HTTPLineSequence<HTTPBodyStream>.defaultMaxLineLength) -> HTTPLineSequence<HTTPBodyStream> {
        HTTPLineSequence(self, maxLineLength: maxLineLength)
    }

    /// Reads the whole body, failing with CURLE_FILESIZE_EXCEEDED past `limit` bytes.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var body: [UInt8] = []
        for try await chunk in self {
            guard body.count + chunk.count <= limit else {
                throw CurlError(call: "HTTPBodyStream.collect", code: CURLE_FILESIZE_EXCEEDED,
                                detail: "the response body is larger than the limit of \(limit) bytes")
            }
            body += chunk
        }
        return body
    }
}
