import AeolusModel
import Dispatch
import Foundation
import Synchronization

/// What changes for one probe on one node between two assignments.
public enum ProbeChange: Sendable, Hashable, CustomStringConvertible {
    /// A probe the node did not run.
    case add(String)
    /// A probe the node no longer runs.
    case remove(String)
    /// Same object, other parameters (a reload, no compile).
    case reparameterise(String)
    /// Another object (a new revision of the template).
    case replaceObject(String)
    /// Same object and parameters; hooks, pods or metrics changed.
    case update(String)

    /// The probe id.
    public var id: String {
        switch self {
        case .add(let id), .remove(let id), .reparameterise(let id), .replaceObject(let id), .update(let id): id
        }
    }

    public var description: String {
        switch self {
        case .add(let id): "add \(id)"
        case .remove(let id): "remove \(id)"
        case .reparameterise(let id): "re-parameterise \(id)"
        case .replaceObject(let id): "replace object of \(id)"
        case .update(let id): "update \(id)"
        }
    }
}

/// The plan for one node: its new assignment and what changed.
public struct NodePlan: Sendable, Hashable {
    /// The assignment (a new revision only when `changes` is not empty).
    public var assignment: NodeAssignment
    /// What changed against the previous assignment, sorted by probe id.
    public var changes: [ProbeChange]
}

/// The result of planning: every planned node's assignment.
public struct Plan: Sendable {
    /// Node name → plan.
    public var nodes: [String: NodePlan]

    /// The nodes whose assignment changed.
    public var changedNodes: [String] { nodes.filter { !$0.value.changes.isEmpty }.keys.sorted() }
}

/// The pure planner: desired probes × nodes (by their registered labels) → each node's assignment.
///
/// A node's revision grows (to `revision`) only when its assignment's content changes, so an agent
/// watching it sees exactly the changes. Large plans are split over the processors; the result
/// does not depend on how.
public enum Planner {
    /// The probes a node with `labels` should run, sorted by id.
    public static func probes(for labels: [String: String], desired: DesiredState) -> [ProbeAssignment] {
        desired.probes.compactMap { $0.nodes.matches(labels) ? $0.assignment : nil }
    }

    /// Plans `nodes` (name → labels) against `desired`. `previous` holds the current assignments
    /// (as this planner made them: probes sorted by id); a changed node gets revision `revision`
    /// (which must exceed every revision issued so far).
    ///
    /// With `changedProbes`, only those probe ids are recomputed and the rest of each previous
    /// assignment is kept (one policy change re-plans in time proportional to the nodes, not to
    /// nodes × probes); nodes without a previous assignment are planned in full.
    public static func plan(desired: DesiredState, nodes: [String: [String: String]],
                            previous: [String: NodeAssignment], revision: Int64,
                            changedProbes: Set<String>? = nil) -> Plan {
        let entries = Array(nodes)
        let changed = changedProbes.map { ChangedProbes(ids: $0, desired: desired) }
        let planned = inChunks(of: entries.count) { range in
            // Nodes share label sets (pools, zones): match each distinct set once.
            var byLabels: [[String: String]: [ProbeAssignment]] = [:]
            var result: [(String, NodePlan)] = []
            result.reserveCapacity(range.count)
            for (node, labels) in entries[range] {
                let old = previous[node]
                if let changed, let old {
                    result.append((node, replan(old, labels: labels, changed: changed, revision: revision)))
                    continue
                }
                let probes: [ProbeAssignment]
                if let cached = byLabels[labels] {
                    probes = cached
                } else {
                    probes = Self.probes(for: labels, desired: desired)
                    byLabels[labels] = probes
                }
                if let old, old.probes == probes {
                    result.append((node, NodePlan(assignment: old, changes: [])))
                } else {
                    result.append((node, NodePlan(assignment: NodeAssignment(node: node, revision: revision, probes: probes),
                                                  changes: Self.changes(from: old?.probes ?? [], to: probes))))
                }
            }
            return result
        }
        return Plan(nodes: Dictionary(planned, uniquingKeysWith: { first, _ in first }))
    }

    /// The probes of an incremental re-plan: the changed ids and the desired probes among them,
    /// both sorted by id.
    struct ChangedProbes: Sendable {
        var ids: [String]
        var probes: [DesiredProbe]

        init(ids: Set<String>, desired: DesiredState) {
            self.ids = ids.sorted()
            probes = desired.probes.filter { ids.contains($0.id) }
        }
    }

    /// Re-plans one node from its previous assignment `old`, recomputing only the changed probes:
    /// a binary search per changed id finds what the node ran, a merge builds the new list.
    static func replan(_ old: NodeAssignment, labels: [String: String], changed: ChangedProbes, revision: Int64) -> NodePlan {
        let running = old.probes
        var before: [Int] = []
        for id in changed.ids {
            if let index = index(of: id, in: running) { before.append(index) }
        }
        var after: [ProbeAssignment] = []
        for probe in changed.probes where probe.nodes.matches(labels) { after.append(probe.assignment) }
        if before.count == after.count && zip(before, after).allSatisfy({ running[$0] == $1 }) {
            return NodePlan(assignment: old, changes: [])
        }
        var probes: [ProbeAssignment] = []
        probes.reserveCapacity(running.count - before.count + after.count)
        var next = 0, dropped = 0
        for (index, probe) in running.enumerated() {
            if dropped < before.count && before[dropped] == index { dropped += 1; continue }
            while next < after.count && after[next].id < probe.id { probes.append(after[next]); next += 1 }
            probes.append(probe)
        }
        probes.append(contentsOf: after[next...])
        return NodePlan(assignment: NodeAssignment(node: old.node, revision: revision, probes: probes),
                        changes: changes(from: before.map { running[$0] }, to: after))
    }

    /// The index of the probe `id` in `probes` (sorted by id), if it is there.
    static func index(of id: String, in probes: [ProbeAssignment]) -> Int? {
        var low = 0, high = probes.count
        while low < high {
            let middle = (low + high) / 2
            if probes[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < probes.count && probes[low].id == id ? low : nil
    }

    /// What turns the probes `old` into `new` (both sorted by id, ids unique), sorted by probe id.
    public static func changes(from old: [ProbeAssignment], to new: [ProbeAssignment]) -> [ProbeChange] {
        var changes: [ProbeChange] = []
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if j == new.count || (i < old.count && old[i].id < new[j].id) {
                changes.append(.remove(old[i].id))
                i += 1
            } else if i == old.count || new[j].id < old[i].id {
                changes.append(.add(new[j].id))
                j += 1
            } else {
                let was = old[i], probe = new[j]
                if was.digest != probe.digest { changes.append(.replaceObject(probe.id)) }
                else if was.load != probe.load || was.parameters != probe.parameters { changes.append(.reparameterise(probe.id)) }
                else if was != probe { changes.append(.update(probe.id)) }
                i += 1
                j += 1
            }
        }
        return changes
    }

    /// Nodes per chunk below which a plan runs on the calling thread alone.
    static let chunkSize = 2_048

    /// Runs `body` over `0..<count` in chunks, on every processor when there is more than one
    /// chunk, and joins the results in chunk order.
    static func inChunks<T: Sendable>(of count: Int, _ body: @Sendable (Range<Int>) -> [T]) -> [T] {
        let chunks = min(ProcessInfo.processInfo.activeProcessorCount * 2, (count + chunkSize - 1) / chunkSize)
        guard chunks > 1 else { return body(0..<count) }
        let results = Mutex<[Int: [T]]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
            let part = body(range)
            results.withLock { $0[chunk] = part }
        }
        return results.withLock { parts in (0..<chunks).flatMap { parts[$0] ?? [] } }
    }
}
