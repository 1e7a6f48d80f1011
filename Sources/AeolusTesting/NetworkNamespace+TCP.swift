import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension NetworkNamespace {
    /// Starts a TCP server inside the namespace on `address:port` (0: the kernel picks) that
    /// reads every connection to its end and then closes it.
    public func startTCPServer(port: UInt16 = 0) throws -> TCPServer {
        try TCPServer(socket: makeSocket(type: Int32(SOCK_STREAM.rawValue)), address: address, port: port)
    }

    /// A TCP client socket in this (the root) namespace, already bound to `hostAddress` on a
    /// port the kernel picked, so that the connection's four-tuple is known before it exists.
    public func makeTCPClient() throws -> TCPClient {
        try TCPClient(bindingTo: hostAddress)
    }

    /// A TCP server for tests: accepts on a thread of its own, reads each connection to EOF on a
    /// thread per connection (counting bytes), then closes it. `close()` (or deinit) stops it and
    /// waits for every thread.
    ///
    /// `@unchecked Sendable`: the mutable state is guarded by `condition`.
    public final class TCPServer: @unchecked Sendable {
        /// The address it listens on.
        public let address: String
        /// The port it listens on.
        public let port: UInt16

        private let listener: Int32
        private let condition = NSCondition()
        private var open: Set<Int32> = []
        private var threads = 0
        private var finished = 0
        private var received = 0
        private var stopped = false

        init(socket fd: Int32, address: String, port: UInt16) throws {
            do {
                var one: Int32 = 1
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
                let local = try ipv4SocketAddress(address, port: port)
                guard withSocketAddress(local, { bind(fd, $0, $1) }) == 0 else { throw FixtureError.errno("bind(\(address):\(port))") }
                guard listen(fd, 64) == 0 else { throw FixtureError.errno("listen(\(address):\(port))") }
                self.port = try boundPort(of: fd)
            } catch {
                Glibc.close(fd)
                throw error
            }
            self.address = address
            self.listener = fd
            spawn { [self] in acceptLoop() }
        }

        deinit { close() }

        /// Bytes read so far, over all connections.
        public var bytesReceived: Int { condition.withLock { received } }

        /// Connections read to their end and closed so far.
        public var connectionsFinished: Int { condition.withLock { finished } }

        /// Waits until `count` connections have been read to their end and closed, or `timeout`
        /// seconds pass; returns whether they were.
        @discardableResult
        public func waitForFinishedConnections(_ count: Int, timeout: TimeInterval = 5) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            condition.lock()
            defer { condition.unlock() }
            while finished < count {
                if !condition.wait(until: deadline) { return finished >= count }
            }
            return true
        }

        /// Waits until `count` bytes have been read over all connections, or `timeout` seconds
        /// pass; returns whether they were.
        @discardableResult
        public func waitForBytes(_ count: Int, timeout: TimeInterval = 5) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            condition.lock()
            defer { condition.unlock() }
            while received < count {
                if !condition.wait(until: deadline) { return received >= count }
            }
            return true
        }

        /// Stops accepting, cuts open connections, waits for every thread (idempotent).
        public func close() {
            condition.lock()
            let first = !stopped
            stopped = true
            if first {
                shutdown(listener, Int32(SHUT_RDWR))   // wakes accept()
                for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
            }
            while threads > 0 { condition.wait() }
            condition.unlock()
            if first { Glibc.close(listener) }
        }

        private func spawn(_ body: @escaping @Sendable () -> Void) {
            condition.withLock { threads += 1 }
            Thread { [self] in
                body()
                condition.withLock {
                    threads -= 1
                    condition.broadcast()
                }
            }.start()
        }

        private func acceptLoop() {
            while true {
                let fd = accept(listener, nil, nil)
                if fd < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    return
                }
                let keep = condition.withLock { () -> Bool in
                    if stopped { return false }
                    open.insert(fd)
                    return true
                }
                guard keep else { Glibc.close(fd); return }
                spawn { [self] in drain(fd) }
            }
        }

        private func drain(_ fd: Int32) {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                condition.withLock {
                    received += count
                    condition.broadcast()
                }
            }
            condition.withLock {
                open.remove(fd)
                Glibc.close(fd)
                finished += 1
                condition.broadcast()
            }
        }
    }

    /// A TCP client socket for tests, bound before it connects so its port is known first.
    ///
    /// `@unchecked Sendable`: `fd` is only changed under `lock`.
    public final class TCPClient: @unchecked Sendable {
        /// The local address.
        public let address: String
        /// The local port (host byte order).
        public let port: UInt16
        private let lock = NSLock()
        private var fd: Int32

        /// A socket in the calling thread's namespace bound to `address` on a kernel-picked port.
        public init(bindingTo address: String) throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw FixtureError.errno("socket(AF_INET, SOCK_STREAM)") }
            do {
                let local = try ipv4SocketAddress(address, port: 0)
                guard withSocketAddress(local, { bind(fd, $0, $1) }) == 0 else { throw FixtureError.errno("bind(\(address):0)") }
                var timeout = timeval(tv_sec: 10, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                port = try boundPort(of: fd)
            } catch {
                Glibc.close(fd)
                throw error
            }
            self.address = address
            self.fd = fd
        }

        deinit { close(reset: true) }

        /// Connects to `address:port` (blocking; the kernel's SYN retries bound the wait).
        public func connect(to address: String, port: UInt16) throws {
            let remote = try ipv4SocketAddress(address, port: port)
            try withFD { fd in
                guard withSocketAddress(remote, { Glibc.connect(fd, $0, $1) }) == 0 else {
                    throw FixtureError.errno("connect(\(address):\(port))")
                }
            }
        }

        /// Sends `count` bytes (a repeating pattern), all of them, or throws (10 s send timeout).
        public func send(count: Int) throws {
            let chunk = [UInt8]((0..<16384).map { UInt8(truncatingIfNeeded: $0) })
            var left = count
            try withFD { fd in
                while left > 0 {
                    let sent = Glibc.send(fd, chunk, min(left, chunk.count), Int32(MSG_NOSIGNAL))
                    if sent < 0 && errno == EINTR { continue }
                    guard sent > 0 else { throw FixtureError.errno("send(\(address):\(port))") }
                    left -= sent
                }
            }
        }

        /// What the kernel knows about the connection (`TCP_INFO`), to check probes against.
        public struct Info: Sendable, Hashable {
            /// Smoothed round-trip time in microseconds (`tcpi_rtt`).
            public var smoothedRTT: UInt32
            /// Congestion window in segments (`tcpi_snd_cwnd`).
            public var congestionWindow: UInt32
            /// Segments sent and not yet acknowledged (`tcpi_unacked`).
            public var unacknowledged: UInt32
        }

        /// The connection's `TCP_INFO`.
        public func info() throws -> Info {
            try withFD { fd in
                var info = tcp_info()
                var length = socklen_t(MemoryLayout<tcp_info>.size)
                guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else {
                    throw FixtureError.errno("getsockopt(TCP_INFO)")
                }
                return Info(smoothedRTT: info.tcpi_rtt, congestionWindow: info.tcpi_snd_cwnd, unacknowledged: info.tcpi_unacked)
            }
        }

        /// Polls `info()` every 10 ms until everything sent is acknowledged and two reads agree,
        /// or `timeout` seconds pass; returns the last read.
        public func settledInfo(timeout: TimeInterval = 5) throws -> Info {
            let deadline = Date().addingTimeInterval(timeout)
            var last = try info()
            while Date() < deadline {
                usleep(10_000)
                let next = try info()
                if next == last && next.unacknowledged == 0 { return next }
                last = next
            }
            return last
        }

        /// Closes the connection: an orderly FIN, or with `reset` an immediate RST (nothing left
        /// for the kernel to retry after the test). Idempotent.
        public func close(reset: Bool = false) {
            lock.lock()
            defer { lock.unlock() }
            guard fd >= 0 else { return }
            if reset {
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            }
            Glibc.close(fd)
            fd = -1
        }

        private func withFD<T>(_ body: (Int32) throws -> T) throws -> T {
            lock.lock()
            defer { lock.unlock() }
            guard fd >= 0 else { throw FixtureError(command: "TCP client \(address):\(port)", status: EBADF, output: "closed") }
            return try body(fd)
        }
    }
}
