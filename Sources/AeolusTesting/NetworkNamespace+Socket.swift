import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension NetworkNamespace {
    /// Creates a socket that lives inside the namespace: what it binds, connects to and sends
    /// goes through the namespace's interfaces and routes, whichever thread uses it later.
    /// The caller owns the returned fd.
    public func makeSocket(type: Int32, family: Int32 = AF_INET, protocol: Int32 = 0) throws -> Int32 {
        try Self.inside(path) {
            let fd = Glibc.socket(family, type, `protocol`)
            guard fd >= 0 else { throw FixtureError.errno("socket(\(family), \(type)) in \(self.name)") }
            return fd
        }
    }

    /// Runs `body` on a new thread that has entered the network namespace at `path` and waits
    /// for it. The thread ends with the work, so nothing else ever runs in the wrong namespace.
    static func inside<T: Sendable>(_ path: String, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = ThreadResult<T>()
        let thread = Thread {
            box.finish(Result {
                let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
                guard original >= 0 else { throw FixtureError.errno("open(/proc/thread-self/ns/net)") }
                defer { Glibc.close(original) }
                let target = open(path, O_RDONLY | O_CLOEXEC)
                guard target >= 0 else { throw FixtureError.errno("open(\(path))") }
                defer { Glibc.close(target) }
                guard setNetworkNamespace(target) == 0 else { throw FixtureError.errno("setns(\(path), CLONE_NEWNET)") }
                defer { _ = setNetworkNamespace(original) }
                return try body()
            })
        }
        thread.start()
        return try box.wait()
    }

    /// `setns(fd, CLONE_NEWNET)`; Glibc's Swift module does not export `setns`, so it is found
    /// by name in the C library.
    private static func setNetworkNamespace(_ fd: Int32) -> Int32 {
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "setns") else { errno = ENOSYS; return -1 }
        let cloneNewNet: Int32 = 0x4000_0000
        return unsafeBitCast(symbol, to: SetNS.self)(fd, cloneNewNet)
    }
}

/// An IPv4 socket address from dotted text and a port.
func ipv4SocketAddress(_ address: String, port: UInt16) throws -> sockaddr_in {
    var result = sockaddr_in()
    result.sin_family = sa_family_t(AF_INET)
    result.sin_port = port.bigEndian
    guard inet_pton(AF_INET, address, &result.sin_addr) == 1 else {
        throw FixtureError(command: "inet_pton(\(address))", status: -1, output: "not an IPv4 address")
    }
    return result
}

/// Runs `body` with `address` as a `sockaddr` pointer and its length (for bind, connect, sendto).
func withSocketAddress<T>(_ address: sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
    var copy = address
    return try withUnsafePointer(to: &copy) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
}

/// The port a socket is bound to (host byte order).
func boundPort(of fd: Int32) throws -> UInt16 {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let rc = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard rc == 0 else { throw FixtureError.errno("getsockname") }
    return UInt16(bigEndian: address.sin_port)
}

extension FixtureError {
    /// A failed system call, with `errno`'s text.
    static func errno(_ call: String) -> FixtureError {
        let code = Glibc.errno
        return FixtureError(command: call, status: code, output: String(cString: strerror(code)))
    }
}

/// A result handed from a worker thread to the thread waiting for it.
///
/// `@unchecked Sendable`: `result` is written once before `signal()` and read after `wait()`;
/// the semaphore orders the two.
final class ThreadResult<T>: @unchecked Sendable {
    private var result: Result<T, Error>?
    private let done = DispatchSemaphore(value: 0)

    func finish(_ value: Result<T, Error>) {
        result = value
        done.signal()
    }

    func wait() throws -> T {
        done.wait()
        return try result!.get()
    }
}
