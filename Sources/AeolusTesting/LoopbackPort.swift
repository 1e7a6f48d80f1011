import Foundation

/// Ports of 127.0.0.1 for servers a test starts (a git daemon, a dictator, Prometheus, an
/// exporter) when the server must be told its port before it runs.
public enum LoopbackPort {
    /// A port nothing listens on, chosen below the kernel's ephemeral range: a port that was free a
    /// moment ago (the port-0 trick) is taken back by the next outgoing connection or port-0 bind of
    /// a concurrent test often enough to fail a full run; a port below the range is never handed
    /// out by the kernel, and a random pick makes two concurrent tests choosing the same one rare.
    public static func free() throws -> Int {
        let low = 10_000, high = ephemeralRangeStart()
        guard high - low >= 1_000 else { return try kernelChosen() }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let port = Int.random(in: low..<high, using: &generator)
            if canBind(port) { return port }
        }
        return try kernelChosen()
    }

    /// The first port of `net.ipv4.ip_local_port_range` (32768 when unreadable).
    static func ephemeralRangeStart() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
    }

    /// Whether a listening socket could be bound to 127.0.0.1:`port` now.
    static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// The port-0 trick, for a machine whose ephemeral range leaves nothing below it.
    static func kernelChosen() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError(command: "socket", status: errno, output: "") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw FixtureError(command: "bind(127.0.0.1:0)", status: errno, output: "") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        return address
    }
}
