import AeolusModel
import KubeKit
import Testing
@testable import Agent

/// Pods from the Kubernetes API as the agent records them: identity, IPs, phase and the owner chain.
@Suite struct PodRecordTests {
    static func pod(owner: (kind: String, name: String)? = nil, labels: [String: String] = [:], hostNetwork: Bool = false,
                    ips: [String] = ["198.18.0.2"], phase: String = "Running") -> KubeObject {
        var metadata: [String: JSONValue] = ["name": "web-1", "namespace": "shop", "uid": "u-1",
                                             "labels": .object(labels.mapValues { .string($0) })]
        if let owner {
            metadata["ownerReferences"] = [
                ["apiVersion": "v1", "kind": "ConfigMap", "name": "not-the-controller"],
                ["apiVersion": "apps/v1", "kind": .string(owner.kind), "name": .string(owner.name), "controller": true],
            ]
        }
        var status: [String: JSONValue] = ["phase": .string(phase)]
        if let first = ips.first {
            status["podIP"] = .string(first)
            status["podIPs"] = .array(ips.map { ["ip": .string($0)] })
        }
        return KubeObject(json: ["metadata": .object(metadata), "spec": ["nodeName": "node-a", "hostNetwork": .bool(hostNetwork)],
                                 "status": .object(status)])
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var owner: (kind: String, name: String)?
        var labels: [String: String] = [:]
        var workload: Workload?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a bare pod has no workload", owner: nil, workload: nil),
        Case(name: "a Deployment's ReplicaSet, by the pod-template-hash label", owner: ("ReplicaSet", "web-5d4f8b7c9"),
             labels: ["pod-template-hash": "5d4f8b7c9"], workload: Workload(kind: "Deployment", name: "web")),
        Case(name: "a ReplicaSet whose name does not end in the hash stands alone", owner: ("ReplicaSet", "web-rs"),
             labels: ["pod-template-hash": "5d4f8b7c9"], workload: Workload(kind: "ReplicaSet", name: "web-rs")),
        Case(name: "a ReplicaSet without the hash label stands alone", owner: ("ReplicaSet", "web-5d4f8b7c9"),
             workload: Workload(kind: "ReplicaSet", name: "web-5d4f8b7c9")),
        Case(name: "a DaemonSet", owner: ("DaemonSet", "aeolus-node"), workload: Workload(kind: "DaemonSet", name: "aeolus-node")),
        Case(name: "a StatefulSet", owner: ("StatefulSet", "db"), workload: Workload(kind: "StatefulSet", name: "db")),
        Case(name: "a CronJob's Job, by its scheduled-minute suffix", owner: ("Job", "backup-29412345"),
             workload: Workload(kind: "CronJob", name: "backup")),
        Case(name: "a Job with a short numeric suffix stands alone", owner: ("Job", "migrate-2"),
             workload: Workload(kind: "Job", name: "migrate-2")),
        Case(name: "a Job named only by digits stands alone", owner: ("Job", "29412345"), workload: Workload(kind: "Job", name: "29412345")),
    ]

    @Test(arguments: cases) func ownerChain(_ c: Case) {
        let record = PodRecord(pod: Self.pod(owner: c.owner, labels: c.labels))
        #expect(record.workload == c.workload)
        #expect(record.owner == c.owner.map { Workload(kind: $0.kind, name: $0.name) })
    }

    @Test func identityIPsPhaseAndHostNetwork() {
        let record = PodRecord(pod: Self.pod(labels: ["app": "web"], hostNetwork: true, ips: ["198.18.0.2", "fd00::2"], phase: "Pending"))
        #expect(record.qualifiedName == "shop/web-1")
        #expect(record.uid == "u-1")
        #expect(record.labels == ["app": "web"])
        #expect(record.ips == ["198.18.0.2", "fd00::2"])
        #expect(record.phase == "Pending")
        #expect(record.hostNetwork)
        let bare = PodRecord(pod: KubeObject(json: ["metadata": ["name": "x"]]))
        #expect(bare.namespace == "default" && bare.ips.isEmpty && bare.phase == "Unknown" && !bare.hostNetwork)
    }
}
