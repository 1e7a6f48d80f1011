import AeolusModel
@testable import Dictator
import KubeKit
import Testing

/// The kubernetes source's pure parts: decoding resources and the Ready condition.
@Suite struct KubeSourceTests {
    static func object(_ name: String, spec: JSONValue, deleting: Bool = false) -> KubeObject {
        var metadata: JSONValue = ["name": .string(name), "namespace": "team", "uid": "u-1", "resourceVersion": "7",
                                   "generation": 2, "managedFields": [["manager": "kubectl"]]]
        if deleting, case .object(var fields) = metadata { fields["deletionTimestamp"] = "2025-01-01T00:00:00Z"; metadata = .object(fields) }
        return KubeObject(json: ["apiVersion": "aeolus.io/v1alpha1", "kind": "ProbePolicy", "metadata": metadata, "spec": spec,
                                 "status": ["observedGeneration": 1]])
    }

    @Test func decodesGoodResourcesAndNamesTheFieldOfBadOnes() {
        let decoded = KubeSource.decode([
            Self.object("good", spec: ["template": "t", "parameters": ["port": 80], "selector": ["nodes": ["matchLabels": ["a": "b"]]]]),
            Self.object("typo", spec: ["templat": "t"]),
            Self.object("type", spec: ["template": "t", "suspend": "perhaps"]),
            Self.object("going", spec: ["template": "t"], deleting: true),
        ])
        #expect(decoded.policies.map(\.key) == ["team/good"])
        #expect(decoded.policies.first?.spec.parameters == ["port": "80"])
        #expect(decoded.policies.first?.metadata.generation == 2)
        #expect(DesiredState.probeID(of: decoded.policies[0], source: KubeSource.source) == "crd/team/good")
        #expect(decoded.problems.keys.sorted() == ["crd/team/type", "crd/team/typo"])
        #expect(decoded.problems["crd/team/typo"]?.contains("ProbePolicy team/typo: spec.templat: unknown field") == true)
        #expect(decoded.problems["crd/team/type"]?.contains("spec.suspend") == true)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let states: [String: String]
        let suspended: Bool
        let problem: String?
        let expected: (String, String, String)
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "live everywhere", states: ["a": "live", "b": "live"], suspended: false, problem: nil, expected: ("True", "Live", "live on a, b")),
        Case(name: "pending", states: ["a": "live", "b": "unreported"], suspended: false, problem: nil,
             expected: ("Unknown", "Pending", "live on a; pending on b")),
        Case(name: "failed", states: ["a": "failed"], suspended: false, problem: nil, expected: ("False", "Failed", "failed on a (verifier)")),
        Case(name: "no nodes", states: [:], suspended: false, problem: nil,
             expected: ("False", "NoMatchingNodes", "no registered node matches spec.selector.nodes")),
        Case(name: "suspended", states: [:], suspended: true, problem: nil, expected: ("False", "Suspended", "spec.suspend is true: no probe runs")),
        Case(name: "invalid", states: ["a": "live"], suspended: false, problem: "bad", expected: ("False", "Invalid", "bad")),
    ]

    @Test(arguments: cases)
    func readiness(_ example: Case) {
        let nodes = example.states.keys.sorted().map { node in
            DictatorStatus.NodeStatus(node: node, labels: [:], kernelVersion: "6.18", lost: false, probes: [
                DictatorStatus.ProbeStatus(id: "crd/team/p", template: "t", digest: "d", state: example.states[node]!,
                                           reason: example.states[node] == "failed" ? "verifier" : nil, verifierLog: nil),
            ])
        }
        let readiness = KubeSource.readiness(id: "crd/team/p", suspended: example.suspended, problem: example.problem, nodes: nodes)
        #expect(readiness == KubeSource.Readiness(status: example.expected.0, reason: example.expected.1, message: example.expected.2))
    }
}
