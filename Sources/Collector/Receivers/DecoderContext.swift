import AeolusModel
import Foundation

/// What label decoders know beyond the key bytes: the probe's attachments (interface index or
/// network namespace → interface name, pod and namespace) and the kernel's drop reason names.
public struct DecoderContext: Sendable {
    /// Where a probe is attached, by interface index.
    public var interfaces: [Int: ProbeState.Attachment]
    /// Where a probe is attached, by network namespace inode.
    public var networkNamespaces: [UInt64: ProbeState.Attachment]
    /// The kernel's `enum skb_drop_reason` names (value → `SKB_DROP_REASON_...`).
    public var dropReasons: [Int64: String]
    /// Looks up a host interface name by index (`if_indextoname`), for indexes no attachment knows.
    public var hostInterfaceName: @Sendable (Int) -> String?

    /// A context.
    public init(interfaces: [Int: ProbeState.Attachment] = [:], networkNamespaces: [UInt64: ProbeState.Attachment] = [:],
                dropReasons: [Int64: String] = [:], hostInterfaceName: @escaping @Sendable (Int) -> String? = DecoderContext.systemInterfaceName) {
        self.interfaces = interfaces
        self.networkNamespaces = networkNamespaces
        self.dropReasons = dropReasons
        self.hostInterfaceName = hostInterfaceName
    }

    /// The context of one probe: its attachments by ifindex and by netns inode.
    public init(attachments: [ProbeState.Attachment], dropReasons: [Int64: String]) {
        var interfaces: [Int: ProbeState.Attachment] = [:]
        var namespaces: [UInt64: ProbeState.Attachment] = [:]
        for attachment in attachments {
            if let index = attachment.ifindex { interfaces[index] = attachment }
            if let netns = attachment.netns {
                var info = stat()
                if stat(netns, &info) == 0 { namespaces[UInt64(info.st_ino)] = attachment }
            }
        }
        self.init(interfaces: interfaces, networkNamespaces: namespaces, dropReasons: dropReasons)
    }

    /// `if_indextoname` in this process's network namespace.
    public static let systemInterfaceName: @Sendable (Int) -> String? = { index in
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard index > 0, if_indextoname(UInt32(index), &buffer) != nil else { return nil }
        return String(nulTerminated: buffer)
    }

    /// The kernel's drop reasons from BTF, nil when the kernel has no BTF for them.
    public static func kernelDropReasons() -> [Int64: String]? {
        try? KernelDropReasons.load()
    }
}
