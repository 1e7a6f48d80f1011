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

    @Test func changesMergeSortedLists() {
        let a = Sample.probe("a").assignment, b = Sample.probe("b").assignment, c = Sample.probe("c").assignment
        let b80 = Sample.probe("b", port: 80).assignment, cNew = Sample.probe("c", digest: "sha256:c").assignment
        #expect(Planner.changes(from: [a, b, c], to: [b80, cNew, Sample.probe("d").assignment])
            == [.remove("policy/ns/a"), .reparameterise("policy/ns/b"), .replaceObject("policy/ns/c"), .add("policy/ns/d")])
        #expect(Planner.changes(from: [a, c], to: [b]) == [.remove("policy/ns/a"), .add("policy/ns/b"), .remove("policy/ns/c")])
    }

    @Test func changedIDsNameAddedRemovedAndChangedProbes() {
        let before = DesiredState(probes: [Sample.probe("a"), Sample.probe("b"), Sample.probe("c")])
        let after = DesiredState(probes: [Sample.probe("b", port: 80), Sample.probe("c"), Sample.probe("d")])
        #expect(after.changedIDs(comparedTo: before) == ["policy/ns/a", "policy/ns/b", "policy/ns/d"])
        #expect(before.changedIDs(comparedTo: before) == [])
        #expect(DesiredState().changedIDs(comparedTo: before) == ["policy/ns/a", "policy/ns/b", "policy/ns/c"])
    }

    /// The incremental re-plan, split over processors, gives exactly what a full plan gives, for
    /// edits of every kind on more nodes than one chunk holds.
    @Test func incrementalEqualsFullPlanAtScale() {
        let nodes = Dictionary(uniqueKeysWithValues: (0..<(Planner.chunkSize * 3 + 7)).map {
            ("node-\($0)", ["pool": "pool-\($0 % 5)", "zone": "zone-\($0 % 3)", "host": "node-\($0)"])
        })
        let start = DesiredState(probes: (0..<12).map { index in
            Sample.probe("p\(index)", nodes: index % 3 == 0 ? [:] : ["pool": "pool-\(index % 5)"])
        })
        let first = Planner.plan(desired: start, nodes: nodes, previous: [:], revision: 1)
        #expect(first.nodes.count == nodes.count)
        let edits: [(String, [DesiredProbe])] = [
            ("parameters", start.probes.map { $0.id == "policy/ns/p3" ? Sample.probe("p3", port: 9) : $0 }),
            ("object", start.probes.map { $0.id == "policy/ns/p4" ? Sample.probe("p4", nodes: ["pool": "pool-4"], digest: "sha256:z") : $0 }),
            ("selector", start.probes.map { $0.id == "policy/ns/p1" ? Sample.probe("p1", nodes: ["zone": "zone-2"]) : $0 }),
            ("added and removed", start.probes.filter { $0.id != "policy/ns/p6" } + [Sample.probe("p55", nodes: ["zone": "zone-0"])]),
        ]
        let previous = first.nodes.mapValues(\.assignment)
        for (name, probes) in edits {
            let desired = DesiredState(probes: probes)
            let full = Planner.plan(desired: desired, nodes: nodes, previous: previous, revision: 2)
            let incremental = Planner.plan(desired: desired, nodes: nodes, previous: previous, revision: 2,
                                           changedProbes: desired.changedIDs(comparedTo: start))
            #expect(incremental.nodes == full.nodes, "\(name)")
            #expect(!incremental.changedNodes.isEmpty, "\(name)")
        }
    }
}
