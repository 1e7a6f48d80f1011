import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension NetworkNamespace {
    /// Sends `count` UDP datagrams from inside the namespace (the "pod") to the host end's
    /// address and `port`: they leave through `interface` and arrive on `hostInterface`.
    /// With `sourcePort` the socket is bound to it first (e.g. 53, to look like a DNS server).
    public func sendUDPToHost(port: UInt16, count: Int, payload: [UInt8], sourcePort: UInt16? = nil) throws {
        let fd = try makeSocket(type: Int32(SOCK_DGRAM.rawValue))
        defer { Glibc.close(fd) }
        if let sourcePort {
            let local = try ipv4SocketAddress(address, port: sourcePort)
            guard withSocketAddress(local, { bind(fd, $0, $1) }) == 0 else {
                throw FixtureError.errno("bind(\(address):\(sourcePort)) in \(name)")
            }
        }
        let target = try ipv4SocketAddress(hostAddress, port: port)
        for _ in 0..<count {
            let sent = withSocketAddress(target) { sendto(fd, payload, payload.count, 0, $0, $1) }
            guard sent == payload.count else { throw FixtureError.errno("sendto(\(hostAddress):\(port)) from \(name)") }
        }
    }
}
