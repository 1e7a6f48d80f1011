import Foundation

/// The parent's end of a child's stdout or stderr pipe: read it to the end, line by line with a
/// timeout, or as an async sequence of chunks or lines. The blocking reads belong off Swift's
/// cooperative pool; the async ones read on a thread of their own. Closed when the object goes away.
///
/// `@unchecked Sendable`: the descriptor and the buffer are guarded by `lock`.
public final class PipeReader: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32
    /// Bytes read past the last line `readLine` returned.
    private var buffered: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    deinit { close() }

    /// Closes the end (idempotent). A child that still writes then gets EPIPE.
    public func close() {
        lock.withLock {
            if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
        }
    }

    /// Blocks until end of file (every writer closed its end) and returns everything; then closes.
    public func readToEnd() -> [UInt8] {
        lock.withLock {
            var bytes = buffered
            buffered = []
            while fd >= 0, let chunk = Self.readChunk(fd), !chunk.isEmpty { bytes += chunk }
            if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
            return bytes
        }
    }

    /// Everything up to end of file as UTF-8 text, read on a thread of its own.
    public func readToEnd() async -> [UInt8] {
        (try? await DedicatedThread.run("ProcessKit reader") { self.readToEnd() }) ?? []
    }

    /// The next line without its newline (blocking up to `timeout`); nil at end of file, on
    /// timeout, or when closed. A last line without a newline is returned at end of file.
    public func readLine(timeout: Duration? = nil) -> String? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        return lock.withLock { () -> String? in
            while true {
                if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = buffered[..<newline]
                    buffered.removeSubrange(...newline)
                    return String(decoding: line, as: UTF8.self)
                }
                guard fd >= 0 else { return nil }
                if let deadline {
                    let left = deadline - ContinuousClock.now
                    let milliseconds = max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
                    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    let ready = poll(&entry, 1, Int32(min(milliseconds, Int64(Int32.max))))
                    if ready < 0 && errno == EINTR { continue }
                    if ready <= 0 { return nil }
                }
                guard let chunk = Self.readChunk(fd), !chunk.isEmpty else {
                    _ = Glibc.close(fd)
                    fd = -1
                    if buffered.isEmpty { return nil }
                    defer { buffered = [] }
                    return String(decoding: buffered, as: UTF8.self)
                }
                buffered += chunk
            }
        }
    }

    /// The bytes as they arrive, read on a thread of its own until end of file. Takes over the
    /// descriptor: call it once, and no other read after it.
    public func chunks() -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        DedicatedThread.start("ProcessKit reader") {
            let pending = self.lock.withLock { () -> [UInt8] in defer { self.buffered = [] }; return self.buffered }
            if !pending.isEmpty { continuation.yield(pending) }
            while let chunk = self.lock.withLock({ self.fd >= 0 ? Self.readChunk(self.fd) : nil }), !chunk.isEmpty {
                continuation.yield(chunk)
            }
            self.close()
            continuation.finish()
        }
        return stream
    }

    /// The lines (without newlines) as they arrive; see `chunks()`.
    public func lines() -> AsyncStream<String> {
        let chunks = chunks()
        return AsyncStream { continuation in
            let task = Task {
                var partial: [UInt8] = []
                for await chunk in chunks {
                    partial += chunk
                    while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                        continuation.yield(String(decoding: partial[..<newline], as: UTF8.self))
                        partial.removeSubrange(...newline)
                    }
                }
                if !partial.isEmpty { continuation.yield(String(decoding: partial, as: UTF8.self)) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// One `read` of up to 64 KiB (retried on EINTR); empty at end of file, nil on error.
    private static func readChunk(_ fd: Int32) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            chunk.removeSubrange(count...)
            return chunk
        }
    }
}
