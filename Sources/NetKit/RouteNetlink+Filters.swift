import CNetlink
import Foundation

extension RouteNetlink {
    /// The filters on `interface`'s clsact hooks in the calling thread's namespace (none when
    /// the interface has no clsact qdisc). Run it inside `NetworkNamespaceFile.run(in:)` for
    /// another namespace. Blocking: call it off Swift's cooperative pool.
    public static func filters(interface: String) throws -> [TrafficControlFilter] {
        let index = if_nametoindex(interface)
        guard index != 0 else { throw NetKitError.callFailed(call: "if_nametoindex(\(interface))", errno: errno) }
        return try filters(ifindex: Int32(index))
    }

    /// The filters on the clsact hooks of interface `ifindex`, ingress first.
    public static func filters(ifindex: Int32) throws -> [TrafficControlFilter] {
        let socket = try NetlinkSocket()
        defer { socket.close() }
        var filters: [TrafficControlFilter] = []
        for direction in [TrafficControlFilter.Direction.ingress, .egress] {
            // tcmsg: family, 3 bytes padding, ifindex, handle, parent, info.
            var body: [UInt8] = [UInt8(AF_UNSPEC), 0, 0, 0]
            body.append(le: UInt32(bitPattern: ifindex))
            body.append(le: UInt32(0))
            body.append(le: direction.parent)
            body.append(le: UInt32(0))
            let messages: [NetlinkSocket.Message]
            do {
                messages = try socket.dump(type: UInt16(RTM_GETTFILTER), body: body, what: "RTM_GETTFILTER(\(ifindex) \(direction))")
            } catch NetKitError.netlink(_, let code) where code == EINVAL || code == ENOENT {
                continue // no clsact qdisc on the interface: no filters
            }
            for message in messages where message.type == UInt16(RTM_NEWTFILTER) {
                if let filter = try parseFilter(message.payload, direction: direction) { filters.append(filter) }
            }
        }
        return filters
    }

    /// `tcmsg` then attributes: kind, and for `bpf` the options' name and program id. Nil for the
    /// head of a priority's filter list (handle 0), which is not a filter.
    static func parseFilter(_ payload: ArraySlice<UInt8>, direction: TrafficControlFilter.Direction) throws -> TrafficControlFilter? {
        guard payload.count >= 20 else { throw NetKitError.malformed("tcmsg of \(payload.count) bytes") }
        let base = payload.startIndex
        let ifindex = Int32(bitPattern: payload.u32(at: base + 4))
        let handle = payload.u32(at: base + 8)
        let info = payload.u32(at: base + 16)
        guard handle != 0 else { return nil }
        var filter = TrafficControlFilter(ifindex: ifindex, direction: direction, priority: info >> 16, handle: handle, kind: "")
        let fields = attributes(payload.dropFirst(20))
        filter.kind = fields.first { Int32($0.0) == Int32(TCA_KIND) }?.1.cString ?? ""
        // TCA_OPTIONS' attributes mean what the kind says: only bpf's are read.
        if filter.kind == "bpf", let options = fields.first(where: { Int32($0.0) == Int32(TCA_OPTIONS) })?.1 {
            for (option, field) in attributes(options) {
                switch Int32(option) {
                case Int32(TCA_BPF_NAME): filter.name = field.cString
                case Int32(TCA_BPF_ID) where field.count >= 4: filter.programID = field.u32(at: field.startIndex)
                default: break
                }
            }
        }
        return filter
    }
}
