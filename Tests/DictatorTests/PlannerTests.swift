import AeolusModel
@testable import Dictator
import Testing

@Suite struct PlannerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var previous: [DesiredProbe]
        var desired: [DesiredProbe]
        var labels: [String: String]
        var probes: [String]
        var changes: [ProbeChange]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "first plan adds", previous: [], desired: [Sample.probe("a"), Sample.probe("b")], labels: [:],
             probes: ["policy/ns/a", "policy/ns/b"], changes: [.add("policy/ns/a"), .add("policy/ns/b")]),
        Case(name: "selector filters", previous: [], desired: [Sample.probe("a", nodes: ["pool": "web"]), Sample.probe("b", nodes: ["pool": "db"])],
             labels: ["pool": "web"], probes: ["policy/ns/a"], changes: [.add("policy/ns/a")]),
        Case(name: "nothing changes", previous: [Sample.probe("a")], desired: [Sample.probe("a")], labels: [:],
             probes: ["policy/ns/a"], changes: []),
        Case(name: "removed policy removes", previous: [Sample.probe("a"), Sample.probe("b")], desired: [Sample.probe("a")], labels: [:],
             probes: ["policy/ns/a"], changes: [.remove("policy/ns/b")]),
        Case(name: "new parameters re-parameterise", previous: [Sample.probe("a")], desired: [Sample.probe("a", port: 80)], labels: [:],
             probes: ["policy/ns/a"], changes: [.reparameterise("policy/ns/a")]),
        Case(name: "new object replaces", previous: [Sample.probe("a")], desired: [Sample.probe("a", digest: "sha256:b")], labels: [:],
             probes: ["policy/ns/a"], changes: [.replaceObject("policy/ns/a")]),
        Case(name: "selector no longer matching removes", previous: [Sample.probe("a")],
             desired: [Sample.probe("a", nodes: ["pool": "db"])], labels: ["pool": "web"], probes: [], changes: [.remove("policy/ns/a")]),
    ]

    @Test(arguments: cases)
    func planOneNode(_ c: Case) {
        for incremental in [false, true] {
            let before = Planner.plan(desired: DesiredState(probes: c.previous), nodes: ["n1": c.labels], previous: [:], revision: 10)
            let desired = DesiredState(probes: c.desired)
            let changed = incremental ? desired.changedIDs(comparedTo: DesiredState(probes: c.previous)) : nil
            let plan = Planner.plan(desired: desired, nodes: ["n1": c.labels],
                                    previous: before.nodes.mapValues(\.assignment), revision: 11, changedProbes: changed)
            let node = plan.nodes["n1"]!
            #expect(node.assignment.probes.map(\.id) == c.probes, "incremental: \(incremental)")
            #expect(node.changes == c.changes, "incremental: \(incremental)")
            #expect(node.assignment.revision == (c.changes.isEmpty ? 10 : 11), "the revision grows only on change")
        }
    }

    @Test func unchangedNodesKeepTheirRevision() {
        let nodes = ["web-1": ["pool": "web"], "db-1": ["pool": "db"]]
        let first = Planner.plan(desired: DesiredState(probes: [Sample.probe("a", nodes: ["pool": "web"])]), nodes: nodes, previous: [:], revision: 1)
        let desired = DesiredState(probes: [Sample.probe("a", nodes: ["pool": "web"]), Sample.probe("b", nodes: ["pool": "db"])])
        let second = Planner.plan(desired: desired, nodes: nodes, previous: first.nodes.mapValues(\.assignment), revision: 2)
        #expect(second.nodes["web-1"]?.assignment.revision == 1)
        #expect(second.nodes["db-1"]?.assignment.revision == 2)
        #expect(second.changedNodes == ["db-1"])
    }

    @Test func resolveTurnsPoliciesIntoProbes() {
        let policies = [
            Sample.policy("ok", template: "t", parameters: ["port": "443"]),
            Sample.policy("suspended", template: "t", suspend: true),
            Sample.policy("no-template", template: "missing"),
            Sample.policy("bad-parameter", template: "t", parameters: ["port": "http"]),
        ].map { SourcedPolicy(policy: $0, source: "git") }
        let (state, problems) = DesiredState.resolve(policies: policies, templates: ["t": Sample.object("t")])
        #expect(state.probes.map(\.id) == ["policy/ns/ok"])
        let probe = state.probes[0].assignment
        #expect(probe.digest == "sha256:t-v1")
        #expect(probe.load.rodata["port"] == [0xbb, 0x01])
        #expect(probe.programs.map(\.name) == ["on_t"])
        #expect(Set(problems.keys) == ["ns/no-template", "ns/bad-parameter"])
    }

    @Test func changesClassify() {
        let a = Sample.probe("a").assignment
        var pods = a
        pods.pods = PodSelector(namespace: "default")
        #expect(Planner.changes(from: [a], to: [pods]) == [.update("policy/ns/a")])
        #expect(Planner.changes(from: [], to: []) == [])
    }

    @Test func benchmarkAtScale() {
        let numbers = PlannerBenchmark.run(nodes: 10_000, probes: 20)
        print("planner benchmark:", numbers.sorted { $0.key < $1.key })
        #expect(numbers["full_plan_seconds"]! < 5)
        #expect(numbers["one_policy_replan_seconds"]! < 1)
    }
}
