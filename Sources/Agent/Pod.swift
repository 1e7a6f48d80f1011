import AeolusModel

/// A pod as the agent sees it: where its network interface is, and the labels policies select on.
public struct Pod: Sendable, Hashable {
    /// The pod's name.
    public var name: String
    /// The pod's (Kubernetes) namespace.
    public var namespace: String
    /// The pod's labels.
    public var labels: [String: String]
    /// The network namespace file (`/run/netns/NAME`).
    public var netns: String
    /// The pod's interface inside its network namespace (usually `eth0`).
    public var interface: String
    /// The host end of the pod's veth pair, when known.
    public var hostInterface: String?
    /// Whether tc programs written for the pod's interface attach on the host end of its veth,
    /// with the directions swapped (the pod's ingress is the host end's egress). Kubernetes pods
    /// do: host interface indexes are unique on the node, while every pod's `eth0` may have the
    /// same index inside its own namespace, and a probe keyed by interface index would merge them.
    public var tcOnHostVeth: Bool

    /// Creates a pod.
    public init(name: String, namespace: String = "default", labels: [String: String] = [:], netns: String,
                interface: String = "eth0", hostInterface: String? = nil, tcOnHostVeth: Bool = false) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.netns = netns
        self.interface = interface
        self.hostInterface = hostInterface
        self.tcOnHostVeth = tcOnHostVeth && hostInterface != nil
    }

    /// The pod's record for `pods.json` when it comes from a pods file or a named namespace.
    var record: PodRecord {
        PodRecord(namespace: namespace, name: name, labels: labels, netns: netns, interface: interface, hostInterface: hostInterface)
    }

    /// `namespace/name`, for messages.
    public var qualifiedName: String { "\(namespace)/\(name)" }
}
