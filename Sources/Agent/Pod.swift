import AeolusModel

/// A pod as the agent sees it: where its network interface is, and the labels policies select on.
public struct Pod: Sendable, Hashable, Codable {
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

    /// Creates a pod.
    public init(name: String, namespace: String = "default", labels: [String: String] = [:], netns: String,
                interface: String = "eth0", hostInterface: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.netns = netns
        self.interface = interface
        self.hostInterface = hostInterface
    }

    /// `namespace/name`, for messages.
    public var qualifiedName: String { "\(namespace)/\(name)" }
}
