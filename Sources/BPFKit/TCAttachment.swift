import CBPF

/// Where a tc (clsact + cls_bpf) filter sits: a value to store and use after a restart to
/// check the filter is still there (`query`), adopt it (`TCLink.adopt`) or remove it (`detach`).
public struct TCAttachment: Hashable, Sendable, Codable {
    /// Which side of the interface.
    public enum Direction: String, Hashable, Sendable, Codable {
        case ingress, egress
    }

    /// The network namespace file (e.g. `/run/netns/NAME`); nil for the agent's own namespace.
    public let namespace: String?
    /// The interface name, as given.
    public let interface: String
    /// The interface index inside `namespace` when attached.
    public let ifindex: Int32
    /// Ingress or egress.
    public let direction: Direction
    /// The filter's handle.
    public let handle: UInt32
    /// The filter's priority.
    public let priority: UInt32
    /// The kernel id of the program the filter ran when attached.
    public let programID: UInt32

    /// Creates a description of a filter (normally returned by `Program.attachTC`).
    public init(namespace: String?, interface: String, ifindex: Int32, direction: Direction,
                handle: UInt32, priority: UInt32, programID: UInt32) {
        self.namespace = namespace; self.interface = interface; self.ifindex = ifindex
        self.direction = direction; self.handle = handle; self.priority = priority; self.programID = programID
    }

    var isIngress: Int32 { direction == .ingress ? 1 : 0 }

    /// The id of the program the filter runs now, or nil if the filter (or its interface or
    /// namespace) is gone.
    public func query() throws -> UInt32? {
        do {
            return try NetworkNamespaceThread.run(in: namespace) { [self] in
                var id: UInt32 = 0
                let rc = LibBPF.call { aeolus_tc_query(ifindex, isIngress, handle, priority, &id) }
                if rc == -ENOENT || rc == -EINVAL || rc == -ENODEV { return nil }
                if rc < 0 { throw LibBPF.failure("bpf_tc_query(\(self))", code: rc) }
                return id
            }
        } catch BPFError.notFound {
            return nil
        }
    }

    /// Removes the filter; returns false if it was already gone.
    @discardableResult
    public func detach() throws -> Bool {
        do {
            return try NetworkNamespaceThread.run(in: namespace) { [self] in
                let rc = LibBPF.call { aeolus_tc_detach(ifindex, isIngress, handle, priority) }
                if rc == -ENOENT || rc == -ENODEV || rc == -EINVAL { return false }
                if rc < 0 { throw LibBPF.failure("bpf_tc_detach(\(self))", code: rc) }
                return true
            }
        } catch BPFError.notFound {
            return false
        }
    }
}

extension TCAttachment: CustomStringConvertible {
    public var description: String {
        "tc \(direction) \(interface)#\(ifindex) handle \(handle) pref \(priority)" + (namespace.map { " in \($0)" } ?? "")
    }
}
