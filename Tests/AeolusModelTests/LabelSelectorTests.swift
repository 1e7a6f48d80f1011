import Testing
@testable import AeolusModel

@Suite struct LabelSelectorTests {
    static let web = ["app": "web", "tier": "front", "zone": "a"]

    @Test(arguments: [
        (LabelSelector(), true),
        (LabelSelector(matchLabels: ["app": "web"]), true),
        (LabelSelector(matchLabels: ["app": "db"]), false),
        (LabelSelector(matchExpressions: [.init(key: "zone", op: .in, values: ["a", "b"])]), true),
        (LabelSelector(matchExpressions: [.init(key: "zone", op: .notIn, values: ["a"])]), false),
        (LabelSelector(matchExpressions: [.init(key: "missing", op: .notIn, values: ["a"])]), true),
        (LabelSelector(matchExpressions: [.init(key: "tier", op: .exists)]), true),
        (LabelSelector(matchExpressions: [.init(key: "tier", op: .doesNotExist)]), false),
        (LabelSelector(matchExpressions: [.init(key: "gpu", op: .doesNotExist)]), true),
        (LabelSelector(matchLabels: ["app": "web"], matchExpressions: [.init(key: "gpu", op: .exists)]), false),
    ])
    func matches(_ selector: LabelSelector, _ expected: Bool) {
        #expect(selector.matches(Self.web) == expected)
    }

    @Test func podSelector() {
        let selector = PodSelector(namespace: "default", labels: LabelSelector(matchLabels: ["app": "web"]))
        #expect(selector.matches(namespace: "default", labels: Self.web))
        #expect(!selector.matches(namespace: "other", labels: Self.web))
        #expect(PodSelector().matches(namespace: "other", labels: [:]))
    }

    @Test func decodesFromYAMLWithChecks() {
        let yaml = """
        apiVersion: aeolus.io/v1alpha1
        kind: ProbePolicy
        metadata: {name: p}
        spec:
          template: t
          selector:
            nodes:
              matchExpressions:
                - {key: zone, operator: In, values: [a]}
                - {key: gpu, operator: Exists, values: [x]}
                - {key: disk, operator: In}
                - {key: os, operator: Is, values: [linux]}
        """
        let (documents, diagnostics) = ProbePolicy.decodeAll(yaml: Fixtures.data(yaml), file: "policies/p.yaml")
        #expect(documents.first?.value == nil)
        #expect(diagnostics.map(\.description) == [
            "policies/p.yaml:10:48: error: spec.selector.nodes.matchExpressions[1].values: operator Exists takes no values",
            "policies/p.yaml:11:11: error: spec.selector.nodes.matchExpressions[2].values: operator In needs at least one value",
            "policies/p.yaml:12:31: error: spec.selector.nodes.matchExpressions[3].operator: unknown operator \"Is\" (expected one of In, NotIn, Exists, DoesNotExist) (did you mean \"In\"?)",
        ])
    }
}
