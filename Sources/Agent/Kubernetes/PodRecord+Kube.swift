import AeolusModel
import KubeKit

extension PodRecord {
    /// The record of a `v1` Pod object from the API: identity, labels, IPs, phase, host network
    /// and the owner chain. Where its network is on this node is found later (`PodNetworkLocator`).
    public init(pod object: KubeObject) {
        let json = object.json
        let metadata = json["metadata"]
        var labels: [String: String] = [:]
        for (key, value) in metadata?["labels"]?.object ?? [:] { labels[key] = value.string ?? "" }
        var ips = (json["status"]?["podIPs"]?.array ?? []).compactMap { $0["ip"]?.string }
        if ips.isEmpty, let ip = json["status"]?["podIP"]?.string, !ip.isEmpty { ips = [ip] }
        let owners = (metadata?["ownerReferences"]?.array ?? []).compactMap { reference -> (Workload, Bool)? in
            guard let kind = reference["kind"]?.string, let name = reference["name"]?.string else { return nil }
            return (Workload(kind: kind, name: name), reference["controller"] == .bool(true))
        }
        let owner = (owners.first { $0.1 } ?? owners.first)?.0
        self.init(namespace: object.namespace ?? "default", name: object.name, uid: object.uid, labels: labels, ips: ips,
                  phase: json["status"]?["phase"]?.string ?? "Unknown",
                  hostNetwork: json["spec"]?["hostNetwork"] == .bool(true),
                  owner: owner, workload: owner.map { Self.workload(owner: $0, labels: labels) })
    }

    /// The workload at the top of a pod's owner chain, from its controlling owner and its labels,
    /// without reading the owners themselves (no extra RBAC, no extra watch), as the OpenTelemetry
    /// Collector's k8sattributes processor derives them:
    /// - a ReplicaSet named `<deployment>-<pod-template-hash>` (the pod's `pod-template-hash`
    ///   label) belongs to that Deployment; any other ReplicaSet stands alone;
    /// - a Job named `<cronjob>-<scheduled minute>` (eight or more digits) belongs to that CronJob;
    /// - DaemonSets, StatefulSets, other Jobs and anything else are their own workload.
    static func workload(owner: Workload, labels: [String: String]) -> Workload {
        switch owner.kind {
        case "ReplicaSet":
            if let hash = labels["pod-template-hash"], !hash.isEmpty, owner.name.hasSuffix("-" + hash),
               owner.name.count > hash.count + 1 {
                return Workload(kind: "Deployment", name: String(owner.name.dropLast(hash.count + 1)))
            }
        case "Job":
            if let dash = owner.name.lastIndex(of: "-") {
                let suffix = owner.name[owner.name.index(after: dash)...]
                if suffix.count >= 8, suffix.allSatisfy(\.isASCIIDigit), dash > owner.name.startIndex {
                    return Workload(kind: "CronJob", name: String(owner.name[..<dash]))
                }
            }
        default: break
        }
        return owner
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
