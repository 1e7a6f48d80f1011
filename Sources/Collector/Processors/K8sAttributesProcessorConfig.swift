import RemoteWrite

/// The `k8sattributes` processor's configuration, shaped like the OpenTelemetry Collector's
/// processor of that name: what to `extract` from a pod, how a point finds its pod
/// (`pod_association`), and, for flow metrics, which address labels name a pod at either end
/// (`flow_association`).
public struct K8sAttributesProcessorConfig: ComponentConfig {
    /// A pod attribute copied onto points (OTel's `extract.metadata`, as Prometheus label names).
    public enum Metadata: String, Sendable, CaseIterable {
        /// The workload at the top of the owner chain (`Deployment`, `DaemonSet`, `StatefulSet`,
        /// `CronJob`, a bare `Job` or `ReplicaSet`, ...): its name and kind.
        case workload, workloadKind = "workload_kind"
        /// The controlling owner reference (a ReplicaSet for a Deployment's pods): name and kind.
        case owner, ownerKind = "owner_kind"
        /// `metadata.uid`, the node, `status.phase`.
        case podUID = "pod_uid", node, phase
    }

    /// A pod label copied onto points (OTel's `extract.labels`).
    public struct PodLabel: Sendable, Hashable {
        /// The pod label's key (`app.kubernetes.io/name`).
        public var key: String
        /// The point's label name; default `label_` + the key with other characters as `_`.
        public var tagName: String

        /// A rule.
        public init(key: String, tagName: String? = nil) {
            self.key = key
            self.tagName = tagName ?? "label_" + String(key.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        }
    }

    /// How a point finds its pod (OTel's `pod_association` sources); tried in order.
    public enum PodAssociation: Sendable, Hashable {
        /// The point's own pod name and namespace labels.
        case labels(pod: String, namespace: String)
        /// A label holding the pod's IP address (OTel: `k8s.pod.ip`).
        case ip(label: String)
        /// A label holding the pod's uid (OTel: `k8s.pod.uid`).
        case uid(label: String)
        /// A label holding the host end of the pod's veth (the `interface` label of a probe that
        /// the agent attached on the host side, as it does for Kubernetes pods).
        case hostInterface(label: String)
    }

    /// One address label of a flow point and the prefix of the labels that name its pod.
    public struct FlowAssociation: Sendable, Hashable {
        /// The label holding an IP address (`saddr`).
        public var ipLabel: String
        /// Put before every added label name (`src_` gives `src_pod`, `src_workload`, ...).
        public var prefix: String

        /// An association.
        public init(ipLabel: String, prefix: String) {
            self.ipLabel = ipLabel
            self.prefix = prefix
        }
    }

    /// The agent's pod inventory (`<agent state dir>/pods.json`).
    public var podsFile = "/var/lib/aeolus/agent/pods.json"
    /// The pod attributes added.
    public var metadata: [Metadata] = [.workload, .workloadKind]
    /// The pod labels added.
    public var labels: [PodLabel] = []
    /// How points find their pod, first match wins.
    public var podAssociation: [PodAssociation] = [.labels(pod: "pod", namespace: "namespace"), .hostInterface(label: "interface")]
    /// IP labels resolved to pods, each adding its prefixed labels.
    public var flowAssociation: [FlowAssociation] = []
    /// How long a pod gone from the file still labels points (and their staleness markers) that
    /// name it, as OTel's pod cache keeps deleted pods for a while.
    public var podDeleteGracePeriod: Duration = .seconds(120)

    public init() {}
    public static let fieldNames = ["pods_file", "extract", "pod_association", "flow_association", "pod_delete_grace_period"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("pods_file", into: &podsFile) { $0.string() }
        fields.read("pod_delete_grace_period", into: &podDeleteGracePeriod) { $0.duration() }
        if let extract = fields["extract"]?.fields(known: ["metadata", "labels"]) {
            extract.read("metadata", into: &metadata) { node in
                node.list()?.compactMap { $0.choice(Metadata.allCases.map(\.rawValue)).flatMap(Metadata.init) }
            }
            extract.read("labels", into: &labels) { node in
                node.list()?.compactMap { element in
                    guard let parts = element.fields(known: ["key", "tag_name"]) else { return nil }
                    guard let key = parts["key"]?.string() else {
                        if parts["key"] == nil { parts.report("key", "missing required field \"key\" (the pod label's key)") }
                        return nil
                    }
                    let rule = PodLabel(key: key, tagName: parts["tag_name"]?.string())
                    if !RemoteWrite.isValidLabelName(rule.tagName) { parts.report("tag_name", "\"\(rule.tagName)\" is not a valid label name") }
                    return rule
                }
            }
        }
        fields.read("pod_association", into: &podAssociation) { node in
            node.list()?.compactMap { element in
                guard let parts = element.fields(known: ["from", "pod", "namespace", "name"]) else { return nil }
                guard let from = parts["from"]?.choice(["labels", "ip", "uid", "host_interface"]) else {
                    if parts["from"] == nil { parts.report("from", "missing required field \"from\" (labels, ip, uid or host_interface)") }
                    return nil
                }
                if from == "labels" {
                    return .labels(pod: parts["pod"]?.string() ?? "pod", namespace: parts["namespace"]?.string() ?? "namespace")
                }
                guard let name = parts["name"]?.string() else {
                    parts.report("name", "from: \(from) needs name (the label holding the pod's \(from))")
                    return nil
                }
                switch from {
                case "ip": return .ip(label: name)
                case "uid": return .uid(label: name)
                default: return .hostInterface(label: name)
                }
            }
        }
        fields.read("flow_association", into: &flowAssociation) { node in
            node.list()?.compactMap { element in
                guard let parts = element.fields(known: ["ip_label", "prefix"]) else { return nil }
                guard let label = parts["ip_label"]?.string(), let prefix = parts["prefix"]?.string() else {
                    for key in ["ip_label", "prefix"] where parts[key] == nil { parts.report(key, "missing required field \"\(key)\"") }
                    return nil
                }
                if !RemoteWrite.isValidLabelName(prefix + "pod") { parts.report("prefix", "\"\(prefix)pod\" is not a valid label name") }
                return FlowAssociation(ipLabel: label, prefix: prefix)
            }
        }
    }

    public func validate() -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if podsFile.isEmpty { problems.append(("pods_file", "must not be empty")) }
        if podAssociation.isEmpty && flowAssociation.isEmpty {
            problems.append(("pod_association", "nothing to associate: set pod_association, flow_association or both"))
        }
        if podDeleteGracePeriod < .zero { problems.append(("pod_delete_grace_period", "must not be negative")) }
        let prefixes = flowAssociation.map(\.prefix)
        if Set(prefixes).count != prefixes.count { problems.append(("flow_association", "two associations have the same prefix")) }
        return problems
    }
}
