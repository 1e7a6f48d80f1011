import Foundation

/// The workload a pod belongs to, as Kubernetes owner references describe it.
public struct Workload: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The owner's kind (`Deployment`, `ReplicaSet`, `DaemonSet`, `StatefulSet`, `Job`, `CronJob`, ...).
    public var kind: String
    /// The owner's name.
    public var name: String

    /// A workload.
    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String { "\(kind)/\(name)" }
}

/// One pod on a node as the agent's inventory knows it: its identity and labels from the API
/// server (or a pods file), and where its network is on this node. The agent writes the node's
/// list to `pods.json` beside `probes.json`; the collector's `k8sattributes` processor reads it to
/// name pods and workloads in metrics (the same inventory, no second watch on the API server).
public struct PodRecord: Sendable, Hashable, Codable {
    /// The pod's namespace.
    public var namespace: String
    /// The pod's name.
    public var name: String
    /// `metadata.uid` (nil for pods that do not come from the API).
    public var uid: String?
    /// The pod's labels.
    public var labels: [String: String]
    /// `status.podIPs` (the first is `status.podIP`).
    public var ips: [String]
    /// `status.phase` (`Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`).
    public var phase: String
    /// `spec.hostNetwork`: the pod shares the node's network namespace (reported, never attached to).
    public var hostNetwork: Bool
    /// The controlling owner reference (`ReplicaSet/web-5d4f8`), if any.
    public var owner: Workload?
    /// The workload at the top of the owner chain (ReplicaSet → Deployment, Job → CronJob), if any.
    public var workload: Workload?
    /// The pod's network namespace file on this node, once found.
    public var netns: String?
    /// The pod's interface inside its namespace (`eth0`), once found.
    public var interface: String?
    /// The host end of the pod's veth pair, once found.
    public var hostInterface: String?
    /// The host end's interface index in the node's namespace.
    public var hostIfindex: Int?
    /// Why the pod has no probes attached (no network namespace found yet, host network, not running).
    public var reason: String?

    /// A pod record.
    public init(namespace: String, name: String, uid: String? = nil, labels: [String: String] = [:], ips: [String] = [],
                phase: String = "Running", hostNetwork: Bool = false, owner: Workload? = nil, workload: Workload? = nil,
                netns: String? = nil, interface: String? = nil, hostInterface: String? = nil, hostIfindex: Int? = nil,
                reason: String? = nil) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.labels = labels
        self.ips = ips
        self.phase = phase
        self.hostNetwork = hostNetwork
        self.owner = owner
        self.workload = workload
        self.netns = netns
        self.interface = interface
        self.hostInterface = hostInterface
        self.hostIfindex = hostIfindex
        self.reason = reason
    }

    /// `namespace/name`.
    public var qualifiedName: String { "\(namespace)/\(name)" }
}

/// The pods of one node, as the agent last saw them (`<state-dir>/pods.json`).
public struct NodePods: Sendable, Hashable, Codable {
    /// The file's name in the agent's state directory.
    public static let fileName = "pods.json"

    /// The node.
    public var node: String
    /// When the list was written.
    public var updated: Date
    /// Where the list comes from (`kubernetes`, `file`, `netns`).
    public var source: String
    /// The pods, sorted by namespace and name.
    public var pods: [PodRecord]

    /// A node's pods.
    public init(node: String, updated: Date = Date(), source: String, pods: [PodRecord]) {
        self.node = node
        self.updated = updated
        self.source = source
        self.pods = pods.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// The JSON file's bytes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = WireDate.encoding
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }

    /// Decodes the file's bytes.
    public static func decode(_ data: Data) throws -> NodePods {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = WireDate.decoding
        return try decoder.decode(NodePods.self, from: data)
    }
}
