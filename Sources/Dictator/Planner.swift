import AeolusModel

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
/// watching it sees exactly the changes.
public enum Planner {
    /// The probes a node with `labels` should run, sorted by id.
    public static func probes(for labels: [String: String], desired: DesiredState) -> [ProbeAssignment] {
        desired.probes.compactMap { $0.nodes.matches(labels) ? $0.assignment : nil }
    }

    /// Plans `nodes` (name → labels) against `desired`. `previous` holds the current assignments;
    /// a changed node gets revision `revision` (which must exceed every revision issued so far).
    ///
    /// With `changedProbes`, only those probe ids are recomputed and the rest of each previous
    /// assignment is kept (one policy change re-plans in time proportional to the nodes, not to
    /// nodes × probes); nodes without a previous assignment are planned in full.
    public static func plan(desired: DesiredState, nodes: [String: [String: String]],
                            previous: [String: NodeAssignment], revision: Int64,
                            changedProbes: Set<String>? = nil) -> Plan {
        var result: [String: NodePlan] = [:]
        result.reserveCapacity(nodes.count)
        // Nodes share label sets (pools, zones): match each distinct set once.
        var byLabels: [[String: String]: [ProbeAssignment]] = [:]
        let changedDesired = changedProbes.map { ids in desired.probes.filter { ids.contains($0.id) } }
        for (node, labels) in nodes {
            let old = previous[node]
            if let changedProbes, let changedDesired, let old {
                // Only the changed ids can differ: compare and diff just those.
                let before = old.probes.filter { changedProbes.contains($0.id) }
                let after = changedDesired.compactMap { $0.nodes.matches(labels) ? $0.assignment : nil }
                if before == after {
                    result[node] = NodePlan(assignment: old, changes: [])
                    continue
                }
                var probes = old.probes.filter { !changedProbes.contains($0.id) }
                probes.append(contentsOf: after)
                probes.sort { $0.id < $1.id }
                result[node] = NodePlan(assignment: NodeAssignment(node: node, revision: revision, probes: probes),
                                        changes: Self.changes(from: before, to: after))
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
                result[node] = NodePlan(assignment: old, changes: [])
            } else {
                result[node] = NodePlan(assignment: NodeAssignment(node: node, revision: revision, probes: probes),
                                        changes: Self.changes(from: old?.probes ?? [], to: probes))
            }
        }
        return Plan(nodes: result)
    }

    /// What turns the probes `old` into `new` (both sorted by id), sorted by probe id.
    public static func changes(from old: [ProbeAssignment], to new: [ProbeAssignment]) -> [ProbeChange] {
        let before = Dictionary(old.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [ProbeChange] = []
        for (id, probe) in after {
            guard let was = before[id] else { changes.append(.add(id)); continue }
            if was == probe { continue }
            if was.digest != probe.digest { changes.append(.replaceObject(id)) }
            else if was.load != probe.load || was.parameters != probe.parameters { changes.append(.reparameterise(id)) }
            else { changes.append(.update(id)) }
        }
        for id in before.keys where after[id] == nil { changes.append(.remove(id)) }
        return changes.sorted { ($0.id, $0.description) < ($1.id, $1.description) }
    }
}
