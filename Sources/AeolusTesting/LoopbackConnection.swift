import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A raw TCP connection to a server on 127.0.0.1, for the things an HTTP client will not do: send
/// half a request head and stop, trickle a body, hold a socket open and say nothing. Every call
/// that can wait runs off the cooperative pool.
///
/// `@unchecked Sendable`: the descriptor is used by one test task at a time; `isClosed` is
/// guarded by `lock`.
public final class LoopbackConnection: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var isClosed = false

    private init(fd: Int32) {
        self.fd = fd
    }

    /// Connects to 127.0.0.1:`port`. The kernel completes a loopback connect from the listen
    /// backlog, so this returns even when the server does not accept it yet.
    public static func open(port: Int) async throws -> LoopbackConnection {
        let fd = try await offThePool { () -> Int32 in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw FixtureError.errno("socket") }
            var address = LoopbackPort.loopback(port: port)
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected else {
                let error = FixtureError.errno("connect(127.0.0.1:\(port))")
                Glibc.close(fd)
                throw error
            }
            return fd
        }
        return LoopbackConnection(fd: fd)
    }

    /// Sends `text` (a loopback send of a few bytes does not block); false when the peer is gone.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads what arrives until the peer closes or `within` passes; `closed` says which.
    public func receive(within: Duration) async throws -> (bytes: [UInt8], closed: Bool) {
        let fd = self.fd
        let milliseconds = Int(within.components.seconds) * 1000 + Int(within.components.attoseconds / 1_000_000_000_000_000)
        return try await offThePool {
            let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            while true {
                let left = Int(deadline.timeIntervalSinceNow * 1000)
                guard left > 0 else { return (received, false) }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(min(left, 1000)))
                if ready < 0 && errno != EINTR { throw FixtureError.errno("poll") }
                guard ready > 0 else { continue }
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { received += buffer[..<count]; continue }
                if count == 0 || errno == ECONNRESET { return (received, true) }
                if errno != EINTR && errno != EAGAIN { throw FixtureError.errno("recv") }
            }
        }
    }

    /// Whether the peer closes the connection within `within` (what it sent before is dropped).
    public func closesWithin(_ within: Duration) async throws -> Bool {
        try await receive(within: within).closed
    }

    /// Closes the connection (once; also when the object goes away).
    public func close() {
        let first = lock.withLock { () -> Bool in
            defer { isClosed = true }
            return !isClosed
        }
        if first { Glibc.close(fd) }
    }

    deinit { close() }
}
