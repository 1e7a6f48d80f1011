import CNetlink
import Foundation

/// The links and addresses of the calling thread's network namespace, read over rtnetlink
/// (`RTM_GETLINK` and `RTM_GETADDR` dumps). Run it inside `NetworkNamespace.run(in:)` for
/// another namespace. Blocking: call it off Swift's cooperative pool.
public enum RouteNetlink {
    /// Every interface with its kind, veth peer and addresses.
    public static func links() throws -> [NetworkLink] {
        let socket = try NetlinkSocket()
        defer { socket.close() }
        var links: [Int: NetworkLink] = [:]
        for message in try socket.dump(type: UInt16(RTM_GETLINK), body: [UInt8](repeating: 0, count: 16), what: "RTM_GETLINK")
        where message.type == UInt16(RTM_NEWLINK) {
            if let link = try parseLink(message.payload) { links[link.index] = link }
        }
        for message in try socket.dump(type: UInt16(RTM_GETADDR), body: [UInt8](repeating: 0, count: 8), what: "RTM_GETADDR")
        where message.type == UInt16(RTM_NEWADDR) {
            if let (index, address) = try parseAddress(message.payload) { links[index]?.addresses.append(address) }
        }
        return links.keys.sorted().map { links[$0]! }
    }

    /// `ifinfomsg` then attributes: index, flags, name, link, link netns id, kind.
    static func parseLink(_ payload: ArraySlice<UInt8>) throws -> NetworkLink? {
        guard payload.count >= 16 else { throw NetKitError.malformed("ifinfomsg of \(payload.count) bytes") }
        let base = payload.startIndex
        let index = Int(Int32(bitPattern: payload.u32(at: base + 4)))
        let flags = payload.u32(at: base + 8)
        var link = NetworkLink(index: index, name: "", isUp: flags & UInt32(IFF_UP) != 0)
        for (type, value) in attributes(payload.dropFirst(16)) {
            switch Int32(type) {
            case Int32(IFLA_IFNAME): link.name = value.cString
            case Int32(IFLA_LINK) where value.count >= 4: link.peerIndex = Int(value.u32(at: value.startIndex))
            case Int32(IFLA_LINK_NETNSID) where value.count >= 4:
                link.peerNamespaceID = Int32(bitPattern: value.u32(at: value.startIndex))
            case Int32(IFLA_LINKINFO):
                for (infoType, info) in attributes(value) where Int32(infoType) == Int32(IFLA_INFO_KIND) {
                    link.kind = info.cString
                }
            default: break
            }
        }
        // IFLA_LINK of a device that is its own link (most physical ones) says nothing.
        if link.peerIndex == link.index || link.peerIndex == 0 { link.peerIndex = nil }
        return link.name.isEmpty ? nil : link
    }

    /// `ifaddrmsg` then attributes: the interface index and the address (IFA_LOCAL for IPv4, else IFA_ADDRESS).
    static func parseAddress(_ payload: ArraySlice<UInt8>) throws -> (Int, String)? {
        guard payload.count >= 8 else { throw NetKitError.malformed("ifaddrmsg of \(payload.count) bytes") }
        let family = Int32(payload[payload.startIndex])
        let index = Int(payload.u32(at: payload.startIndex + 4))
        var local: ArraySlice<UInt8>?, address: ArraySlice<UInt8>?
        for (type, value) in attributes(payload.dropFirst(8)) {
            if type == UInt16(IFA_LOCAL) { local = value }
            if type == UInt16(IFA_ADDRESS) { address = value }
        }
        guard let bytes = local ?? address, let text = addressText(family: family, bytes) else { return nil }
        return (index, text)
    }

    /// An IPv4 or IPv6 address as text (`inet_ntop`).
    static func addressText(family: Int32, _ bytes: ArraySlice<UInt8>) -> String? {
        let size = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0
        guard size > 0, bytes.count >= size else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let raw = Array(bytes.prefix(size))
        let ok = raw.withUnsafeBytes { source in
            buffer.withUnsafeMutableBufferPointer { inet_ntop(family, source.baseAddress, $0.baseAddress, socklen_t(INET6_ADDRSTRLEN)) != nil }
        }
        return ok ? String(cString: buffer) : nil
    }

    /// The `rtattr`s of a message tail: (type without the nested flag, value); stops at a truncated one.
    static func attributes(_ bytes: ArraySlice<UInt8>) -> [(UInt16, ArraySlice<UInt8>)] {
        var result: [(UInt16, ArraySlice<UInt8>)] = []
        var offset = bytes.startIndex
        while offset + 4 <= bytes.endIndex {
            let length = Int(bytes.u16(at: offset))
            let type = bytes.u16(at: offset + 2) & 0x3fff
            guard length >= 4, offset + length <= bytes.endIndex else { break }
            result.append((type, bytes[(offset + 4)..<(offset + length)]))
            offset += (length + 3) & ~3
        }
        return result
    }
}

/// One rtnetlink socket, owned by one caller.
struct NetlinkSocket {
    let fd: Int32

    /// One message of a dump.
    struct Message {
        var type: UInt16
        var payload: ArraySlice<UInt8>
    }

    init() throws {
        fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE)
        guard fd >= 0 else { throw NetKitError.callFailed(call: "socket(AF_NETLINK, NETLINK_ROUTE)", errno: errno) }
    }

    func close() { _ = Glibc.close(fd) }

    /// Sends a dump request of `type` with `body` and collects every answer up to NLMSG_DONE.
    func dump(type: UInt16, body: [UInt8], what: String) throws -> [Message] {
        var request = [UInt8]()
        request.append(le: UInt32(16 + body.count))
        request.append(le: type)
        request.append(le: UInt16(NLM_F_REQUEST | NLM_F_DUMP))
        request.append(le: UInt32(1))      // sequence
        request.append(le: UInt32(0))      // port id: the kernel's
        request += body
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else { throw NetKitError.callFailed(call: "send(\(what))", errno: errno) }

        var messages: [Message] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received < 0 {
                if errno == EINTR { continue }
                throw NetKitError.callFailed(call: "recv(\(what))", errno: errno)
            }
            let bytes = Array(buffer[0..<received])[...]
            var offset = 0
            while offset + 16 <= bytes.count {
                let length = Int(bytes.u32(at: offset))
                let messageType = bytes.u16(at: offset + 4)
                guard length >= 16, offset + length <= bytes.count else {
                    throw NetKitError.malformed("\(what): message of \(length) bytes at \(offset) of \(bytes.count)")
                }
                switch Int32(messageType) {
                case NLMSG_DONE: return messages
                case NLMSG_ERROR:
                    let code = length >= 20 ? Int32(bitPattern: bytes.u32(at: offset + 16)) : 0
                    if code != 0 { throw NetKitError.netlink(request: what, errno: -code) }
                default:
                    messages.append(Message(type: messageType, payload: bytes[(offset + 16)..<(offset + length)]))
                }
                offset += (length + 3) & ~3
            }
            if received == 0 { return messages }
        }
    }
}

extension ArraySlice<UInt8> {
    func u16(at offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
    func u32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16 | UInt32(self[offset + 3]) << 24
    }
    /// The bytes up to the first NUL, as UTF-8.
    var cString: String { String(decoding: prefix { $0 != 0 }, as: UTF8.self) }
}

extension [UInt8] {
    mutating func append(le value: UInt32) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
    mutating func append(le value: UInt16) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
}
