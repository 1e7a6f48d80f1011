import AeolusModel

/// What the applier knows about one probe it manages: the assignment it runs, whether its
/// object is loaded (false: loading failed, nothing is in the kernel), and where it is attached.
public struct ActualProbe: Sendable, Hashable {
    /// The assignment the probe was loaded from.
    public var assignment: ProbeAssignment
    /// Whether the object is in the kernel (false after a failed load).
    public var loaded: Bool
    /// Where its programs are attached now.
    public var points: Set<AttachPoint>

    /// Creates a record of a probe's actual state.
    public init(assignment: ProbeAssignment, loaded: Bool, points: Set<AttachPoint>) {
        self.assignment = assignment
        self.loaded = loaded
        self.points = points
    }
}

/// One change to the node, as the planner decides it and the applier performs it.
public enum Step: Sendable, Hashable, CustomStringConvertible {
    /// Load a probe that is not there and attach it at `points`.
    case install(ProbeAssignment, points: [AttachPoint])
    /// Load the new version of a probe, attach it at `points`, then remove the old one
    /// (make-before-break).
    case replace(ProbeAssignment, points: [AttachPoint])
    /// Attach a live probe at one more point.
    case attach(ProbeAssignment, point: AttachPoint)
    /// Remove one attachment of a live probe.
    case detach(probe: String, point: AttachPoint)
    /// Record a new assignment for a live probe whose object and programs are unchanged
    /// (e.g. new parameters text or metric specs).
    case update(ProbeAssignment)
    /// Detach, unload and unpin a probe that is no longer wanted.
    case remove(probe: String)

    /// The probe the step concerns.
    public var probeID: String {
        switch self {
        case let .install(probe, _), let .replace(probe, _), let .attach(probe, _), let .update(probe): return probe.id
        case let .detach(id, _), let .remove(id): return id
        }
    }

    public var description: String {
        switch self {
        case let .install(probe, points): return "install \(probe.id) at \(points.count) point(s)"
        case let .replace(probe, points): return "replace \(probe.id) (now \(probe.digest)) at \(points.count) point(s)"
        case let .attach(probe, point): return "attach \(probe.id): \(point)"
        case let .detach(id, point): return "detach \(id): \(point)"
        case let .update(probe): return "update \(probe.id)"
        case let .remove(id): return "remove \(id)"
        }
    }
}

/// The steps that take a node from what runs (`actual`) to what is wanted (`desired`), and the
/// problems found on the way. Pure: no kernel, no files; table-tested.
public struct AgentPlan: Sendable, Hashable {
    /// The steps, in order: loads and attaches first, then detaches and removals.
    public var steps: [Step]
    /// Per probe id, wanted attach points that cannot exist (shown as the probe's reason).
    public var problems: [String: [String]]

    /// Plans the steps from `actual` to `desired` given the node's `pods`.
    ///
    /// A probe whose object, load settings or programs changed is replaced; one whose pods changed
    /// gains and loses attach points; one whose load failed stays failed until its assignment
    /// changes (a verifier does not change its mind).
    public static func plan(desired: [ProbeAssignment], pods: [Pod], actual: [ActualProbe]) -> AgentPlan {
        let actualByID = Dictionary(actual.map { ($0.assignment.id, $0) }, uniquingKeysWith: { first, _ in first })
        var build: [Step] = []
        var teardown: [Step] = []
        var problems: [String: [String]] = [:]
        var seen = Set<String>()
        for probe in desired.sorted(by: { $0.id < $1.id }) where seen.insert(probe.id).inserted {
            let (points, issues) = AttachPoint.desired(for: probe, pods: pods)
            if !issues.isEmpty { problems[probe.id] = issues }
            guard let current = actualByID[probe.id] else {
                build.append(.install(probe, points: points))
                continue
            }
            if probe.needsReload(comparedTo: current.assignment) {
                build.append(.replace(probe, points: points))
                continue
            }
            guard current.loaded else {
                if current.assignment != probe { build.append(.update(probe)) }
                continue
            }
            let wanted = Set(points)
            build += points.filter { !current.points.contains($0) }.map { .attach(probe, point: $0) }
            teardown += current.points.subtracting(wanted).sorted().map { .detach(probe: probe.id, point: $0) }
            if current.assignment != probe { build.append(.update(probe)) }
        }
        teardown += actual.map(\.assignment.id).filter { !seen.contains($0) }.sorted().map { .remove(probe: $0) }
        return AgentPlan(steps: build + teardown, problems: problems)
    }
}

extension ProbeAssignment {
    /// Whether going from `running` to this assignment needs a new load (object, load-time
    /// settings or programs changed); other changes are attach/detach or bookkeeping.
    func needsReload(comparedTo running: ProbeAssignment) -> Bool {
        digest != running.digest || load != running.load || programs != running.programs
    }
}
