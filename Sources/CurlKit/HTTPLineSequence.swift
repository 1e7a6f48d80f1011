/// Lines of a byte-chunk sequence: split at `\n`, a trailing `\r` removed, lines that span chunks
/// reassembled. A last line without a newline is still delivered. Elements are the line's bytes
/// (ready for `JSONDecoder`); `String(decoding: line, as: UTF8.self)` gives text.
public struct HTTPLineSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == [UInt8] {
    /// One line, without its line ending.
    public typealias Element = [UInt8]

    /// The default bound on a line's length: 16 MiB (a Kubernetes object is at most ~1.5 MiB).
    public static var defaultMaxLineLength: Int { 16 << 20 }

    let base: Base
    let maxLineLength: Int

    /// Lines of `base`; a line longer than `maxLineLength` bytes fails with `LineTooLongError`.
    public init(_ base: Base, maxLineLength: Int = defaultMaxLineLength) {
        self.base = base
        self.maxLineLength = maxLineLength
    }

    /// Reads lines in order.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let maxLineLength: Int
        var buffer: [UInt8] = []
        /// Where the current line starts, and how far it was already searched for a newline.
        var start = 0
        var scanned = 0
        var baseFinished = false

        /// The next line, nil at the end.
        public mutating func next() async throws -> [UInt8]? {
            while true {
                if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                    var end = newline
                    if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    let line = Array(buffer[start..<end])
                    start = newline + 1
                    scanned = start
                    return line
                }
                scanned = buffer.count
                guard buffer.count - start <= maxLineLength else {
                    throw LineTooLongError(limit: maxLineLength)
                }
                if baseFinished {
                    guard start < buffer.count else { return nil }
                    defer { buffer = []; start = 0; scanned = 0 }
                    return Array(buffer[start...])
                }
                // Drop consumed lines before appending, so the buffer holds at most one line
                // plus one chunk.
                if start > 0 {
                    buffer.removeFirst(start)
                    scanned -= start
                    start = 0
                }
                if let chunk = try await base.next() {
                    buffer += chunk
                } else {
                    baseFinished = true
                }
            }
        }
    }

    /// The iterator (iterate once).
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), maxLineLength: maxLineLength)
    }
}

/// A line exceeded the limit given to `HTTPLineSequence` (a runaway or hostile stream).
public struct LineTooLongError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The limit in bytes.
    public let limit: Int

    /// The error for a line over `limit` bytes.
    public init(limit: Int) {
        self.limit = limit
    }

    /// The error as one line for logs and users.
    public var description: String {
        "a line of the response is longer than \(limit) bytes; raise maxLineLength if that is expected"
    }
}
