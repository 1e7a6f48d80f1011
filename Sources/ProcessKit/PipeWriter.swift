import Foundation

/// The parent's end of a child's standard input pipe. Closing it is the child's end of input;
/// it is closed when the object goes away.
///
/// `@unchecked Sendable`: the descriptor is guarded by `lock`.
public final class PipeWriter: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32

    init(fd: Int32) {
        self.fd = fd
        Self.ignoreSIGPIPE
    }

    deinit { close() }

    /// Writes all of `bytes`, blocking while the pipe is full. Throws when the child closed its
    /// end (EPIPE) or this end was closed.
    public func write(_ bytes: some Sequence<UInt8>) throws {
        let buffer = Array(bytes)
        try lock.withLock {
            guard fd >= 0 else { throw ProcessError(call: "write", code: EBADF, context: "the pipe was closed") }
            var offset = 0
            while offset < buffer.count {
                let written = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw ProcessError(call: "write", code: errno, context: "a child's standard input")
                }
                offset += written
            }
        }
    }

    /// Writes `text` as UTF-8.
    public func write(_ text: String) throws {
        try write(Array(text.utf8))
    }

    /// Closes the end (idempotent): the child reads end of file.
    public func close() {
        lock.withLock {
            if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
        }
    }

    /// A write to a pipe whose reader exited must fail with EPIPE, not kill this process: SIGPIPE
    /// is ignored here (once). Children get the default disposition back (`POSIX_SPAWN_SETSIGDEF`).
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}
