import AeolusModel
import Foundation

/// The planner at scale: simulated nodes × probes, for the `aeolus-bench` harness.
public enum PlannerBenchmark {
    /// Plans `nodes` simulated nodes (in 10 pools × 3 zones) against `probes` policies (half on
    /// every node, half on one pool), then re-plans after one policy's parameters change.
    ///
    /// Returns `full_plan_seconds`, `one_policy_replan_seconds`, `assignments`, `probes_assigned`
    /// and `rss_megabytes` (resident set after both plans).
    public static func run(nodes count: Int = 10_000, probes probeCount: Int = 20) -> [String: Double] {
        let program = TemplateProgram(name: "count", hook: .tcIngress)
        func probe(_ index: Int, port: UInt8) -> DesiredProbe {
            let selector = index % 2 == 0 ? LabelSelector() : LabelSelector(matchLabels: ["pool": "pool-\(index % 10)"])
            let assignment = ProbeAssignment(
                id: "policy/bench/p\(index)", template: "t\(index)", digest: "sha256:\(index)", programs: [program],
                load: LoadSettings(rodata: ["port": [port, 0]]), parameters: ["port": "\(port)"],
                pods: PodSelector(namespace: "default", labels: LabelSelector(matchLabels: ["app": "web"])))
            return DesiredProbe(nodes: selector, assignment: assignment, source: "bench")
        }
        var nodes: [String: [String: String]] = [:]
        for index in 0..<count {
            nodes["node-\(index)"] = ["pool": "pool-\(index % 10)", "zone": "zone-\(index % 3)",
                                      "kubernetes.io/hostname": "node-\(index)"]
        }
        let desired = DesiredState(probes: (0..<probeCount).map { probe($0, port: 0) })

        let fullStart = ContinuousClock.now
        let full = Planner.plan(desired: desired, nodes: nodes, previous: [:], revision: 1)
        let fullSeconds = seconds(ContinuousClock.now - fullStart)

        var changedProbes = desired.probes
        changedProbes[0] = probe(0, port: 80)
        let next = DesiredState(probes: changedProbes)
        let previous = full.nodes.mapValues(\.assignment)
        let replanStart = ContinuousClock.now
        let changed = next.changedIDs(comparedTo: desired)
        let replan = Planner.plan(desired: next, nodes: nodes, previous: previous, revision: 2, changedProbes: changed)
        let replanSeconds = seconds(ContinuousClock.now - replanStart)

        return [
            "full_plan_seconds": fullSeconds,
            "one_policy_replan_seconds": replanSeconds,
            "assignments": Double(full.nodes.count),
            "probes_assigned": Double(full.nodes.values.reduce(0) { $0 + $1.assignment.probes.count }),
            "nodes_changed_by_replan": Double(replan.changedNodes.count),
            "rss_megabytes": residentMegabytes(),
        ]
    }

    /// The process's resident set size (VmRSS), megabytes; 0 where /proc is missing.
    static func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }
}
