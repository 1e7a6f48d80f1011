/// Where a template's program attaches. Written in YAML as `tc-ingress`, `tc-egress`, `xdp`,
/// `tracepoint`, `tp_btf`, `cgroup_skb-ingress`, `cgroup_skb-egress` (also `cgroup_skb/ingress`),
/// `kprobe`; or `hook: tc` / `hook: cgroup_skb` with `direction: ingress|egress`.
public enum Hook: String, Sendable, Hashable, Codable, CaseIterable {
    case tcIngress = "tc-ingress"
    case tcEgress = "tc-egress"
    case xdp
    case tracepoint
    case tpBTF = "tp_btf"
    case cgroupSkbIngress = "cgroup_skb-ingress"
    case cgroupSkbEgress = "cgroup_skb-egress"
    case kprobe

    /// The hooks this kernel can attach (kprobes are not configured, see PLATFORM.md).
    public static let supported: [Hook] = allCases.filter(\.isSupported)

    /// Whether Aeolus can attach this hook here; kprobe is parsed but unsupported.
    public var isSupported: Bool { self != .kprobe }

    /// Whether `target` is required (the tracepoint or function to attach to).
    public var needsTarget: Bool {
        switch self {
        case .tracepoint, .tpBTF, .kprobe: return true
        default: return false
        }
    }

    /// Whether the hook attaches to pods' network interfaces (so a policy's pod selector applies).
    public var attachesToInterfaces: Bool {
        switch self {
        case .tcIngress, .tcEgress, .xdp: return true
        default: return false
        }
    }

    /// The hook for a YAML `hook` value and optional `direction`, nil if the pair names none.
    public init?(name: String, direction: String?) {
        switch (name, direction) {
        case ("tc", "ingress"): self = .tcIngress
        case ("tc", "egress"): self = .tcEgress
        case ("cgroup_skb", "ingress"), ("cgroup_skb/ingress", nil): self = .cgroupSkbIngress
        case ("cgroup_skb", "egress"), ("cgroup_skb/egress", nil): self = .cgroupSkbEgress
        case (_, nil):
            guard let hook = Hook(rawValue: name) else { return nil }
            self = hook
        default: return nil
        }
    }

    /// The names accepted in YAML, for messages.
    static let yamlNames = allCases.map(\.rawValue) + ["tc", "cgroup_skb", "cgroup_skb/ingress", "cgroup_skb/egress"]
}

/// One BPF program of a template: the function name in the object and where it attaches.
public struct TemplateProgram: Sendable, Hashable, Codable {
    /// The program's function name in the object file.
    public var name: String
    /// The attach point kind.
    public var hook: Hook
    /// The tracepoint (`tcp/tcp_retransmit_skb`), BTF tracepoint or function; for tc/xdp an
    /// optional interface name (by default the selected pods' interfaces); for cgroup_skb an optional cgroup path.
    public var target: String?
    /// For tc and XDP: which end of a pod's veth pair the program attaches to.
    public var attachTo: InterfaceSide

    /// Creates a program spec.
    public init(name: String, hook: Hook, target: String? = nil, attachTo: InterfaceSide = .pod) {
        self.name = name
        self.hook = hook
        self.target = target
        self.attachTo = attachTo
    }
}

/// The end of a pod's veth pair a tc or XDP program attaches to. Directions are the attached
/// interface's own: `ingress` on the pod side is what the pod receives; on the host side it is
/// what the pod sends.
public enum InterfaceSide: String, Sendable, Hashable, Codable, CaseIterable {
    /// The interface inside the pod's network namespace (its `eth0`).
    case pod
    /// The host end of the pod's veth pair.
    case host
}
