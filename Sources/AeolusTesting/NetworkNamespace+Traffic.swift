import Foundation

extension NetworkNamespace {
    /// Sends `count` UDP datagrams from this (the root) namespace to the namespace's address
    /// and `port`; they leave through the host veth end and arrive on `interface`.
    public func sendUDP(toPort port: UInt16, count: Int, payload: [UInt8] = Array("aeolus".utf8)) throws {
        try Self.sendUDP(to: address, port: port, count: count, payload: payload)
    }

    /// Sends `count` UDP datagrams to `address:port` from a socket in this thread's namespace.
    public static func sendUDP(to address: String, port: UInt16, count: Int, payload: [UInt8]) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError(command: "socket(AF_INET, SOCK_DGRAM)", status: errno, output: "") }
        defer { Glibc.close(fd) }
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &target.sin_addr) == 1 else {
            throw FixtureError(command: "inet_pton(\(address))", status: -1, output: "not an IPv4 address")
        }
        for _ in 0..<count {
            let sent = withUnsafePointer(to: &target) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard sent == payload.count else {
                throw FixtureError(command: "sendto(\(address):\(port))", status: errno, output: String(cString: strerror(errno)))
            }
        }
    }
}
