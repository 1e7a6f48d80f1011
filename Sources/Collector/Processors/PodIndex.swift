import AeolusModel
import Foundation

/// The pods of one inventory, looked up by namespace/name, uid and IP, each with the labels the
/// `k8sattributes` processor adds already built (sorted): built once per file change, so a point
/// costs lookups and one label merge.
///
/// IPs: a `hostNetwork` pod shares the node's address and is never found by IP; when pods share
/// an address (a finished pod's IP reused), a pending or running pod wins over a finished one, and
/// two of the same standing make the address ambiguous (not resolved).
struct PodIndex: Sendable {
    /// The labels one pod adds.
    struct Entry: Sendable {
        /// Extracted metadata and pod labels (for points that named the pod themselves).
        let attributes: [MetricLabel]
        /// `pod`, `namespace` and the attributes (for points associated by uid or IP).
        let identified: [MetricLabel]
        /// Per flow association: its prefix before each identified label.
        let flows: [[MetricLabel]]
    }

    private struct PodName: Hashable {
        let namespace: String
        let name: String
    }

    /// No pods.
    static let empty = PodIndex()

    private(set) var entries: [Entry] = []
    private var byName: [PodName: Int] = [:]
    private var byUID: [String: Int] = [:]
    private var byIP: [String: Int] = [:]
    private var byHostInterface: [String: Int] = [:]

    private init() {}

    /// The index of `pods` (of `node`) for `config`.
    init(pods: [PodRecord], node: String, config: K8sAttributesProcessorConfig) {
        var live: [String: Int] = [:], finished: [String: Int] = [:]
        var ambiguous: Set<String> = []
        for pod in pods {
            let index = entries.count
            entries.append(Self.entry(pod, node: node, config: config))
            byName[PodName(namespace: pod.namespace, name: pod.name)] = index
            if let uid = pod.uid { byUID[uid] = index }
            if let host = pod.hostInterface, !pod.hostNetwork { byHostInterface[host] = index }
            guard !pod.hostNetwork else { continue }
            let isFinished = pod.phase == "Succeeded" || pod.phase == "Failed"
            for text in pod.ips {
                let ip = Self.canonicalIP(text)
                if isFinished {
                    if finished.updateValue(index, forKey: ip) != nil { ambiguous.insert("f" + ip) }
                } else if live.updateValue(index, forKey: ip) != nil {
                    ambiguous.insert("l" + ip)
                }
            }
        }
        for (ip, index) in finished where !ambiguous.contains("f" + ip) { byIP[ip] = index }
        for (ip, index) in live {
            if ambiguous.contains("l" + ip) { byIP[ip] = nil } else { byIP[ip] = index }
        }
    }

    /// The pod named `name` in `namespace`.
    func pod(namespace: String, name: String) -> Entry? {
        byName[PodName(namespace: namespace, name: name)].map { entries[$0] }
    }

    /// The pod with uid `uid`.
    func pod(uid: String) -> Entry? { byUID[uid].map { entries[$0] } }

    /// The pod whose veth has `name` as its host end (unique on the node).
    func pod(hostInterface name: String) -> Entry? { byHostInterface[name].map { entries[$0] } }

    /// The pod with address `ip` (in `inet_ntop` form, as the `inet_ip` decoder writes it).
    func pod(ip: String) -> Entry? { byIP[ip].map { entries[$0] } }

    /// The labels of one pod.
    private static func entry(_ pod: PodRecord, node: String, config: K8sAttributesProcessorConfig) -> Entry {
        var attributes: [MetricLabel] = []
        for field in config.metadata {
            let value: String?
            switch field {
            case .workload: value = pod.workload?.name
            case .workloadKind: value = pod.workload?.kind
            case .owner: value = pod.owner?.name
            case .ownerKind: value = pod.owner?.kind
            case .podUID: value = pod.uid
            case .node: value = node
            case .phase: value = pod.phase
            }
            if let value, !value.isEmpty { attributes.append(MetricLabel(field.rawValue, value)) }
        }
        for rule in config.labels {
            if let value = pod.labels[rule.key], !value.isEmpty { attributes.append(MetricLabel(rule.tagName, value)) }
        }
        attributes = unique(attributes)
        let identified = unique([MetricLabel("pod", pod.name), MetricLabel("namespace", pod.namespace)] + attributes)
        let flows = config.flowAssociation.map { flow in
            identified.map { MetricLabel(flow.prefix + $0.name, $0.value) }.sorted()
        }
        return Entry(attributes: attributes, identified: identified, flows: flows)
    }

    /// Labels sorted by name, the first of each name kept.
    private static func unique(_ labels: [MetricLabel]) -> [MetricLabel] {
        var seen: Set<String> = []
        return labels.filter { seen.insert($0.name).inserted }.sorted()
    }

    /// An address in `inet_ntop` form (IPv6 compressed, lower case); other text unchanged.
    static func canonicalIP(_ text: String) -> String {
        for (family, size) in [(AF_INET, 4), (AF_INET6, 16)] {
            var bytes = [UInt8](repeating: 0, count: size)
            if inet_pton(family, text, &bytes) == 1 {
                return bytes.withUnsafeBytes { LabelDecoder.inetAddress($0) }
            }
        }
        return text
    }
}
