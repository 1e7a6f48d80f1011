import AeolusModel
import Foundation
import Logging

/// One event of an assignment watch: a new assignment, or a heartbeat on an idle stream.
public enum WatchEvent: Sendable, Hashable {
    /// The node's assignment at a newer revision.
    case assignment(NodeAssignment)
    /// Nothing changed; keeps the connection alive.
    case heartbeat
}

/// The dictator's state: desired (policies from every source, the templates in use), actual
/// (registered agents and their reports) and the assignments planned from both. Every change
/// re-plans the affected nodes and wakes their watchers.
public actor DictatorState {
    /// A registered agent.
    struct NodeRecord: Codable {
        var registration: AgentRegistration
        var lastSeen: Date
        var report: NodeProbeState?
        var lost = false
        /// Whether `report` was read back from the status branch (not sent by this agent yet).
        var restoredReport: Bool? = nil
    }

    let logger: Logger
    private let branch: String
    /// Persists the registrations (debounced: a registration never encodes every node).
    private let registrations: DebouncedFileWriter<[String: NodeRecord]>?
    private var nodes: [String: NodeRecord] = [:]
    private var policiesBySource: [String: [ProbePolicy]] = [:]
    /// Problems a source found in its own input (a custom resource that does not decode).
    private var problemsBySource: [String: [String: String]] = [:]
    private var templates: [String: TemplateObject] = [:]
    private var objects: [String: [UInt8]] = [:]
    private var conditions: [String: TemplateCondition] = [:]
    private var errors: [String: TemplateErrors] = [:]
    private var policyProblems: [String: String] = [:]
    private var desired = DesiredState()
    private var assignments: [String: NodeAssignment] = [:]
    private var lastRevision: Int64
    private var watchers: [String: [UUID: AssignmentWatch]] = [:]
    private var closed = false
    /// The git revision reconciled and its subject.
    public private(set) var revision: String?
    private var subject: String?
    /// Who signed the revision reconciled, when signatures are verified.
    private var signer: String?
    /// What changed since the status writer last took the changes (for its commit message).
    private var pendingChanges: [String] = []
    /// Counters for `/metrics`.
    public private(set) var metrics = DictatorMetrics()

    /// Records whether this dictator holds the leader-election Lease (`aeolus_dictator_leader`).
    public func setLeader(_ leading: Bool) {
        metrics.leader = leading
    }
    /// The closed loop: trigger evaluation, reactions, and what is not yet written.
    var reactionBook: ReactionBook
    /// What is kept of things that come and go.
    let bounds: DictatorBounds

    /// A state for the watched `branch`. Registrations persist in `registrationsFile`, written at
    /// most once a second off the actor and at graceful shutdown (so a
    /// restarted dictator plans the same nodes before their agents come back). Revisions start
    /// above every revision an earlier run can have issued (milliseconds since 1970).
    public init(branch: String, registrationsFile: String? = nil, bounds: DictatorBounds = DictatorBounds(),
                logger: Logger = Logger(label: "aeolus.dictator")) {
        self.branch = branch
        self.bounds = bounds
        reactionBook = ReactionBook(bounds: bounds)
        self.registrations = registrationsFile.map { file in
            DebouncedFileWriter(path: file, logger: logger) { nodes in
                try NodeProbeState.makeEncoder().encode(nodes.mapValues { NodeRecord(registration: $0.registration, lastSeen: $0.lastSeen) })
            }
        }
        self.logger = logger
        lastRevision = Int64(Date().timeIntervalSince1970 * 1000)
        if let registrationsFile, let data = FileManager.default.contents(atPath: registrationsFile),
           let saved = try? NodeProbeState.makeDecoder().decode([String: NodeRecord].self, from: data) {
            // Every known node counts as seen at start: the lost timeout runs from now, not from
            // a registration that may be hours old (or the node would flap lost, then back).
            let now = Date()
            nodes = saved.mapValues { NodeRecord(registration: $0.registration, lastSeen: now) }
        }
    }

    // MARK: Desired state

    /// The newest revision of the branch that was not applied (over the repository limits, or
    /// not signed by a trusted key), while the previous one stays live; nil once a later one applies.
    public private(set) var refusal: RevisionRefusal?

    /// The revision `refusal` names.
    public var refusedRevision: String? { refusal?.revision }

    /// Records that a revision is not applied: nothing else changes, the status says why.
    public func refuse(_ refusal: RevisionRefusal) {
        self.refusal = refusal
        metrics.revisionsRefused[refusal.reason, default: 0] += 1
        pendingChanges.append(refusal.message)
        logger.error("revision refused", metadata: [
            "revision": "\(refusal.revision)", "reason": "\(refusal.reason)", "message": "\(refusal.message)",
            "live": "\(revision ?? "none")"])
    }

    /// Applies a reconciled revision: the templates in use, the git policies, the errors. A
    /// refused revision changes nothing but the refusal and the `_repository` errors, which say why.
    public func apply(_ outcome: ReconcileOutcome) {
        if let refused = outcome.refused {
            errors[TemplateErrors.repository] = TemplateErrors(template: TemplateErrors.repository, revision: outcome.revision,
                                                              condition: nil, lastGoodRevision: revision, errors: refused)
            refuse(RevisionRefusal(revision: outcome.revision, reason: "over_limits",
                                   detail: "over the repository limits (\(refused.count) problems: \(refused.map(\.description).joined(separator: "; ")))"))
            return
        }
        refusal = nil
        let previousRevision = revision
        revision = outcome.revision
        subject = outcome.subject
        signer = outcome.signer
        templates = outcome.templates
        objects = Dictionary(outcome.templates.values.map { ($0.digest, $0.elf) }, uniquingKeysWith: { a, _ in a })
        conditions = outcome.conditions
        errors = outcome.errors
        metrics.gitRevisionTimestamp = Date().timeIntervalSince1970
        if previousRevision != outcome.revision {
            pendingChanges.append("reconciled \(outcome.revision)")
        }
        for (name, report) in outcome.errors.sorted(by: { $0.key < $1.key }) {
            pendingChanges.append("errors in \(name) (\(report.errors.count))")
        }
        policiesBySource["git"] = outcome.policies
        reactionBook.evaluator.update(edges: outcome.edges)
        reactionBook.cooldownHorizon = outcome.edges.map(\.cooldown.seconds).max() ?? 0
        reactionBook.limits = outcome.limits
        rebuildDesired()
    }

    /// Replaces the policies of one source (git, custom resources, reactions) and the problems it
    /// found in the inputs it skipped (key → message, shown beside the policy problems).
    public func setPolicies(_ policies: [ProbePolicy], source: String, problems: [String: String] = [:]) {
        policiesBySource[source] = policies
        problemsBySource[source] = problems
        rebuildDesired()
    }

    private func rebuildDesired() {
        let sourced = policiesBySource.keys.sorted().flatMap { source in
            policiesBySource[source]!.map { SourcedPolicy(policy: $0, source: source) }
        }
        let (state, problems) = DesiredState.resolve(policies: sourced, templates: templates)
        policyProblems = problemsBySource.values.reduce(problems) { $0.merging($1) { first, _ in first } }
        let changed = state.changedIDs(comparedTo: desired)
        desired = state
        if !changed.isEmpty { replan(nodes: Set(nodes.keys), changedProbes: changed) }
    }

    /// The desired state.
    public var desiredState: DesiredState { desired }

    // MARK: Planning

    private func replan(nodes names: Set<String>, changedProbes: Set<String>?) {
        let start = ContinuousClock.now
        let labels = Dictionary(uniqueKeysWithValues: names.compactMap { name in
            nodes[name].map { (name, nodeLabels(name, $0.registration)) }
        })
        let next = lastRevision + 1
        let plan = Planner.plan(desired: desired, nodes: labels, previous: assignments, revision: next,
                                changedProbes: changedProbes)
        var issued = false
        for (node, nodePlan) in plan.nodes {
            let isNew = assignments[node] == nil
            guard isNew || !nodePlan.changes.isEmpty else { continue }
            assignments[node] = nodePlan.assignment
            issued = true
            if !nodePlan.changes.isEmpty {
                pendingChanges.append("\(node): " + nodePlan.changes.map(\.description).joined(separator: ", "))
                logger.info("assignment changed", metadata: [
                    "node": "\(node)", "revision": "\(next)", "changes": "\(nodePlan.changes.map(\.description))"])
            }
            for watch in watchers[node, default: [:]].values { watch.deliver(.assignment(nodePlan.assignment)) }
        }
        if issued { lastRevision = next }
        metrics.planSeconds.observe(seconds(ContinuousClock.now - start))
    }

    /// A node's labels as selectors see them: its registered labels plus `aeolus.io/node`.
    func nodeLabels(_ name: String, _ registration: AgentRegistration) -> [String: String] {
        registration.labels.merging([ReactionBook.nodeLabel: name]) { _, own in own }
    }

    /// Registered nodes with their labels, for reaction placement.
    var registeredNodes: [(name: String, labels: [String: String])] {
        nodes.keys.sorted().map { ($0, nodeLabels($0, nodes[$0]!.registration)) }
    }

    /// Every declared template's condition at the current revision.
    public func templateConditions() -> [String: TemplateCondition] { conditions }

    /// The templates in use, by name.
    var templateDefinitions: [String: Template] { templates.mapValues(\.template) }

    /// Records a change for the next status commit's message.
    func noteChange(_ change: String) { pendingChanges.append(change) }

    /// The latest report of every node.
    var reports: [String: NodeProbeState] { nodes.compactMapValues(\.report) }

    /// The latest report of one node (without building every node's, as `reports` does).
    func report(of node: String) -> NodeProbeState? { nodes[node]?.report }

    /// Plans a registered node that has no assignment yet (after a restart, before any change).
    private func ensureAssignment(_ node: String) {
        if assignments[node] == nil && nodes[node] != nil { replan(nodes: [node], changedProbes: nil) }
    }

    // MARK: Agents

    /// Registers (or re-registers) an agent and returns its assignment. Reactions the agent still
    /// runs but this dictator does not know (it stopped before committing them) are taken back
    /// first, so the assignment keeps them.
    public func register(_ registration: AgentRegistration, now: Date = Date()) -> NodeAssignment {
        let previous = nodes[registration.node]
        let identity = registration.identity
        let running = registration.probes.map { NodeProbeState(node: registration.node, updated: now, probes: $0) }
        // What the agent says runs beats what the status branch said; an agent's own full report
        // (attachments, maps) beats the short list of a re-registration.
        let report = previous?.restoredReport == true ? running ?? previous?.report : previous?.report ?? running
        nodes[registration.node] = NodeRecord(registration: identity, lastSeen: now, report: report, lost: false,
                                              restoredReport: running == nil ? previous?.restoredReport : nil)
        if previous == nil || previous?.lost == true {
            pendingChanges.append("\(registration.node): " + (previous == nil ? "registered" : "back"))
        }
        if let probes = registration.probes { adoptReactions(running: probes, on: registration.node) }
        if previous?.registration != identity {
            registrations?.schedule { [weak self] in await self?.nodes }
            replan(nodes: [registration.node], changedProbes: nil)
        }
        ensureAssignment(registration.node)
        return assignments[registration.node]!
    }

    /// A registered node's assignment.
    public func assignment(node: String) -> NodeAssignment? {
        ensureAssignment(node)
        return assignments[node]
    }

    /// Starts watching a node's assignment after `revision`: the current assignment first when its
    /// revision differs from `revision` (newer, or from before a restart), then every change.
    /// Nil when the node is not registered.
    /// Only the newest assignment waits to be sent on a watch (see `AssignmentWatch`).
    public func watch(node: String, after revision: Int64?) -> AssignmentWatch? {
        ensureAssignment(node)
        guard let current = assignments[node], !closed else { return nil }
        nodes[node]?.lastSeen = Date()
        let id = UUID()
        let watch = AssignmentWatch { [weak self] in
            Task { await self?.unwatch(node: node, id: id) }
        }
        watchers[node, default: [:]][id] = watch
        if revision != current.revision { watch.deliver(.assignment(current)) }
        metrics.watchers += 1
        return watch
    }

    private func unwatch(node: String, id: UUID) {
        guard watchers[node]?.removeValue(forKey: id) != nil else { return }
        if watchers[node]?.isEmpty == true { watchers[node] = nil }
        metrics.watchers -= 1
    }

    /// Sends a heartbeat to every watcher.
    public func heartbeat() {
        for node in watchers.values { for watch in node.values { watch.deliver(.heartbeat) } }
    }

    /// Ends every watch stream and refuses new ones (graceful shutdown); writes the registrations.
    public func closeWatches() {
        closed = true
        for node in watchers.values { for watch in node.values { watch.finish() } }
        watchers = [:]
        metrics.watchers = 0
        flushRegistrations()
    }

    /// Writes the registrations now if a write is pending (they are otherwise written at most
    /// once a second).
    public func flushRegistrations() {
        if let registrations, registrations.isScheduled { registrations.write(nodes) }
    }

    /// Records an agent's report of what runs on its node. False when the node is not registered.
    public func report(_ state: NodeProbeState, now: Date = Date()) -> Bool {
        guard var record = nodes[state.node] else { return false }
        let before = record.report.map(Self.phases)
        record.report = state
        record.restoredReport = nil
        record.lastSeen = now
        if record.lost { pendingChanges.append("\(state.node): back") }
        record.lost = false
        nodes[state.node] = record
        if before != Self.phases(state) {
            let live = state.probes.filter { $0.state == .live }.count
            pendingChanges.append("\(state.node): \(live) live of \(state.probes.count) reported")
            updateReactionProbes(now: now)
        }
        return true
    }

    private static func phases(_ state: NodeProbeState) -> [String: String] {
        Dictionary(state.probes.map { ($0.id, "\($0.state.rawValue) \($0.digest) \($0.reason ?? "")") },
                   uniquingKeysWith: { a, _ in a })
    }

    /// Takes back what the previous run's last status commit (`recorded`) knew of each node, so
    /// that a restart does not flap the status: a node not registered since comes back with the
    /// labels it had, and each node's probe states and lost flag stand until its agent reports
    /// again. Every node counts as seen now: one whose agent never comes back is marked lost after
    /// the usual timeout, as without the restart. Nodes that reported already keep their report.
    public func restore(nodes recorded: [DictatorStatus.NodeStatus], now: Date = Date()) {
        for node in recorded {
            var record = nodes[node.node] ?? NodeRecord(
                registration: AgentRegistration(node: node.node, labels: node.labels, kernelVersion: node.kernelVersion, hooks: []),
                lastSeen: now)
            guard record.report == nil else { continue }
            record.report = NodeProbeState(node: node.node, updated: now, probes: node.probes.compactMap(Self.restored))
            record.restoredReport = true
            record.lost = node.lost
            nodes[node.node] = record
        }
    }

    /// The report behind a recorded probe status; nil for `unreported`. A `pending` probe gets no
    /// digest, so it stays pending until the agent reports the assigned one.
    private static func restored(_ probe: DictatorStatus.ProbeStatus) -> ProbeState? {
        let phase: ProbeState.Phase
        switch probe.state {
        case ProbeState.Phase.live.rawValue: phase = .live
        case ProbeState.Phase.failed.rawValue: phase = .failed
        case ProbeState.Phase.pending.rawValue: phase = .pending
        default: return nil
        }
        return ProbeState(id: probe.id, template: probe.template, digest: phase == .pending ? "" : probe.digest, state: phase,
                          reason: probe.reason, verifierLog: probe.verifierLog)
    }

    /// Marks nodes not seen for `timeout` as lost; returns the newly lost.
    @discardableResult
    public func markLost(timeout: Duration, now: Date = Date()) -> [String] {
        let seconds = seconds(timeout)
        var lost: [String] = []
        for (name, record) in nodes where !record.lost && now.timeIntervalSince(record.lastSeen) > seconds {
            nodes[name]?.lost = true
            lost.append(name)
            pendingChanges.append("\(name): lost (no report for \(Int(seconds)) s)")
            logger.warning("agent lost", metadata: ["node": "\(name)"])
        }
        return lost.sorted()
    }

    /// Forgets what stayed idle too long: event series and cooldowns past their time, and nodes
    /// lost for longer than `forgetNodesAfter` (registration, assignment, watches). Called on the
    /// housekeeping tick; returns the nodes forgotten.
    @discardableResult
    public func expireIdle(now: Date = Date()) -> [String] {
        reactionBook.expire(now: now)
        guard let after = bounds.forgetNodesAfter else { return [] }
        let limit = seconds(after)
        let gone = nodes.filter { $0.value.lost && now.timeIntervalSince($0.value.lastSeen) > limit }.keys.sorted()
        guard !gone.isEmpty else { return [] }
        for name in gone {
            nodes[name] = nil
            assignments[name] = nil
            for continuation in watchers.removeValue(forKey: name)?.values ?? [:].values { continuation.finish() }
            metrics.nodesForgotten += 1
            pendingChanges.append("\(name): forgotten (lost for more than \(Int(limit)) s)")
            logger.notice("node forgotten", metadata: ["node": "\(name)"])
        }
        metrics.watchers = watchers.values.reduce(0) { $0 + $1.count }
        registrations?.schedule { [weak self] in await self?.nodes }
        return gone
    }

    /// The object whose digest is `digest`, among the templates in use.
    public func object(digest: String) -> [UInt8]? { objects[digest] }

    // MARK: Status

    /// The level-based status of everything.
    public func status() -> DictatorStatus {
        var probeCounts: [String: Int] = ["assigned": 0, "live": 0, "failed": 0, "pending": 0, "unreported": 0]
        let nodeStatuses = nodes.keys.sorted().map { name -> DictatorStatus.NodeStatus in
            let record = nodes[name]!
            let reported = Dictionary((record.report?.probes ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let probes = (assignments[name]?.probes ?? []).map { probe -> DictatorStatus.ProbeStatus in
                let state = reported[probe.id]
                let phase: String
                if let state { phase = state.digest == probe.digest || state.state == .failed ? state.state.rawValue : "pending" }
                else { phase = "unreported" }
                probeCounts["assigned", default: 0] += 1
                probeCounts[phase, default: 0] += 1
                return DictatorStatus.ProbeStatus(id: probe.id, template: probe.template, digest: probe.digest, state: phase,
                                                  reason: state?.reason, verifierLog: state?.verifierLog)
            }
            return DictatorStatus.NodeStatus(node: name, labels: record.registration.labels,
                                             kernelVersion: record.registration.kernelVersion, lost: record.lost, probes: probes)
        }
        var templateCounts: [String: Int] = [:]
        for condition in conditions.values { templateCounts[condition.rawValue, default: 0] += 1 }
        let summary = DictatorStatus.Summary(
            revision: revision, message: subject, branch: branch, templates: templateCounts,
            nodes: .init(total: nodes.count, lost: nodes.values.filter(\.lost).count),
            probes: probeCounts, policyProblems: policyProblems, signedBy: signer, refused: refusal)
        var status = DictatorStatus(summary: summary, nodes: nodeStatuses, errors: errors.keys.sorted().map { errors[$0]! })
        status.reactions = reactionBook.recent
        status.edges = reactionBook.evaluator.edges
        return status
    }

    /// Whether a node's reports stopped.
    public func isLost(node: String) -> Bool { nodes[node]?.lost ?? false }

    /// Takes the change descriptions gathered since the last call (for a status commit message).
    public func takeChanges() -> [String] {
        defer { pendingChanges = [] }
        return pendingChanges
    }

    /// Per-node probe counts for `/metrics`: node → (desired, live, failed).
    func nodeProbeCounts() -> [String: (desired: Int, live: Int, failed: Int, lost: Bool)] {
        var result: [String: (Int, Int, Int, Bool)] = [:]
        for (name, record) in nodes {
            let assigned = assignments[name]?.probes ?? []
            let ids = Set(assigned.map(\.id))
            let reported = (record.report?.probes ?? []).filter { ids.contains($0.id) }
            result[name] = (assigned.count, reported.filter { $0.state == .live }.count,
                            reported.filter { $0.state == .failed }.count, record.lost)
        }
        return result
    }

    /// Records a failed fetch.
    public func recordFetchError() { metrics.fetchErrors += 1 }
    /// Records a push retried after a non-fast-forward or a transient failure.
    public func recordPushRetry() { metrics.pushRetries += 1 }
    /// Records a status commit pushed.
    public func recordStatusCommit() { metrics.statusCommits += 1 }
    /// Records a reconcile's duration (fetch to applied).
    public func recordReconcile(seconds: Double) { metrics.reconcileSeconds.observe(seconds) }
}
