/// One tc filter on a clsact hook of an interface, as an `RTM_GETTFILTER` dump describes it.
///
/// A filter is identified by its hook, priority and handle; tc filters hold no file descriptor,
/// so a process that attached one and died leaves it in place: listing them is how the owner
/// finds its own again (by a handle or name it chose) and removes or adopts them.
public struct TrafficControlFilter: Sendable, Hashable, CustomStringConvertible {
    /// Which clsact hook the filter sits on.
    public enum Direction: String, Sendable, Hashable {
        case ingress, egress

        /// The filter parent of the hook: `TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS / EGRESS)`.
        var parent: UInt32 { self == .ingress ? 0xFFFF_FFF2 : 0xFFFF_FFF3 }
    }

    /// The interface index (inside the namespace the dump ran in).
    public var ifindex: Int32
    /// Ingress or egress.
    public var direction: Direction
    /// The filter's priority (`tc ... pref`).
    public var priority: UInt32
    /// The filter's handle.
    public var handle: UInt32
    /// The classifier kind (`bpf`, `matchall`, `u32`, ...).
    public var kind: String
    /// For `bpf`: the name tc shows (libbpf sets `<program>:[<id>]`).
    public var name: String?
    /// For `bpf`: the kernel id of the program the filter runs.
    public var programID: UInt32?

    /// A filter.
    public init(ifindex: Int32, direction: Direction, priority: UInt32, handle: UInt32, kind: String,
                name: String? = nil, programID: UInt32? = nil) {
        self.ifindex = ifindex
        self.direction = direction
        self.priority = priority
        self.handle = handle
        self.kind = kind
        self.name = name
        self.programID = programID
    }

    public var description: String {
        "\(direction) #\(ifindex) pref \(priority) handle 0x\(String(handle, radix: 16)) \(kind)"
            + (name.map { " \($0)" } ?? "") + (programID.map { " id \($0)" } ?? "")
    }
}
