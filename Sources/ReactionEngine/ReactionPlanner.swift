import AeolusModel
import Foundation

/// Decides what a firing edge does: bind the follow-up template's parameters from the event's
/// labels (typed and validated), choose the target nodes, and apply every limit — dedupe by
/// (edge, parameters, nodes), cooldown, the edge's `maxActive`, and the repository's global caps
/// on active reactions and reactions per minute. A storm is refused and counted, not deployed.
///
/// A value type with no side effects: the dictator feeds it firings and the current time, and
/// turns the reactions it returns into desired state and status files.
public struct ReactionPlanner: Sendable {
    /// A node the dictator knows, with the labels it registered.
    public struct Node: Sendable, Hashable {
        /// The node's name.
        public var name: String
        /// Its labels.
        public var labels: [String: String]

        /// Creates a node.
        public init(name: String, labels: [String: String] = [:]) {
            self.name = name
            self.labels = labels
        }
    }

    /// Counters of refused reactions, by reason (`bad_parameters`, `no_target`, `max_active`,
    /// `global_cap`, `rate_limit`, `cooldown`, `duplicate`, `unknown_template`).
    public private(set) var refusals: [String: UInt64] = [:]
    /// Reactions still active, by id.
    public private(set) var active: [String: Reaction] = [:]

    /// Dedupe key → last deploy time, for cooldowns: an LRU, since dedupe keys carry the bound
    /// parameters (per flow) and would otherwise grow for ever.
    private var lastStart: BoundedMap<String, Date>
    private var recentStarts: [Date] = []          // for reactions per minute

    /// Deploy times remembered for cooldowns.
    public var trackedCooldowns: Int { lastStart.count }
    /// Deploy times forgotten early to make room at `maxCooldowns` (their cooldown no longer applies).
    public var evictedCooldowns: UInt64 { lastStart.evictions }

    /// A planner with no history, remembering at most `maxCooldowns` deploy times.
    public init(maxCooldowns: Int = 100_000) {
        lastStart = BoundedMap(capacity: maxCooldowns)
    }

    /// Forgets deploy times older than `horizon` seconds before `now` (the longest cooldown of any
    /// edge: older ones can hold nothing back). Returns how many.
    @discardableResult
    public mutating func expireCooldowns(now: Date, olderThan horizon: Double) -> Int {
        lastStart.removeLeastRecent { now.timeIntervalSince($1) >= horizon }
    }

    /// Restores reactions that were active before a restart (from the status branch and agent
    /// reports), so that limits and expiry carry on where they were.
    public mutating func restore(_ reactions: [Reaction]) {
        for reaction in reactions where reaction.outcome == .active {
            active[reaction.id] = reaction
            lastStart.updateValue(max(lastStart[reaction.dedupeKey] ?? .distantPast, reaction.started), forKey: reaction.dedupeKey)
        }
    }

    /// Reacts to one firing. Returns the new reaction — active, or refused with its reason — or
    /// nil when it is a duplicate of an active reaction or still in cooldown (counted, not recorded:
    /// these are the normal steady state of a condition that keeps holding).
    public mutating func react(to firing: TriggerEvaluator.Firing, templates: [String: Template],
                               nodes: [Node], limits: Limits, now: Date) -> Reaction? {
        let edge = firing.edge
        let trigger = Reaction.Trigger(metric: edge.when.metric, labels: firing.labels, value: firing.value,
                                       condition: edge.when.description, time: Date(timeIntervalSince1970: firing.time))
        func reaction(parameters: [String: String], nodes: [String], outcome: Reaction.Outcome, reason: String?) -> Reaction {
            let id = Self.id(edge: edge.name, parameters: parameters, nodes: nodes, at: now)
            return Reaction(id: id, edge: edge.name, from: edge.from, template: edge.deploy, trigger: trigger,
                            parameters: parameters, nodes: nodes, started: now,
                            expires: now.addingTimeInterval(edge.ttl.seconds),
                            ended: outcome == .active ? nil : now, outcome: outcome, reason: reason)
        }
        func refuse(_ counter: String, _ reason: String, parameters: [String: String] = [:], nodes: [String] = []) -> Reaction {
            refusals[counter, default: 0] += 1
            return reaction(parameters: parameters, nodes: nodes, outcome: .refused, reason: reason)
        }

        guard let template = templates[edge.deploy] else {
            return refuse("unknown_template", "template \(edge.deploy) is not available at the current revision")
        }
        // Bind: every binding must render from the event's labels and parse as its parameter's type.
        var parameters: [String: String] = [:]
        for (name, binding) in edge.with.sorted(by: { $0.key < $1.key }) {
            guard let text = binding.render(labels: firing.labels) else {
                let missing = binding.labelReferences.filter { firing.labels[$0] == nil }
                return refuse("bad_parameters", "the event has no label \(missing.joined(separator: ", ")) for parameter \(name)")
            }
            parameters[name] = text
        }
        if case .failure(let problems) = template.loadSettings(parameters: parameters) {
            return refuse("bad_parameters", "parameters refused: \(problems)", parameters: parameters)
        }
        // Target nodes.
        let targets: [String]
        switch edge.on {
        case .eventNode:
            guard let node = firing.labels["node"], !node.isEmpty else {
                return refuse("no_target", "the event has no node label", parameters: parameters)
            }
            targets = [node]
        case .allNodes:
            targets = nodes.map(\.name).sorted()
        case .selector(let selector):
            targets = nodes.filter { selector.matches($0.labels) }.map(\.name).sorted()
        }
        guard !targets.isEmpty else {
            return refuse("no_target", "no node matches \(edge.on)", parameters: parameters)
        }
        // Dedupe and cooldown.
        let probe = reaction(parameters: parameters, nodes: targets, outcome: .active, reason: nil)
        if active.values.contains(where: { $0.dedupeKey == probe.dedupeKey }) {
            refusals["duplicate", default: 0] += 1
            return nil
        }
        if let last = lastStart[probe.dedupeKey], now.timeIntervalSince(last) < edge.cooldown.seconds {
            refusals["cooldown", default: 0] += 1
            return nil
        }
        // Limits.
        if active.values.filter({ $0.edge == edge.name }).count >= edge.maxActive {
            return refuse("max_active", "edge \(edge.name) already has \(edge.maxActive) active reactions (maxActive)",
                          parameters: parameters, nodes: targets)
        }
        if active.count >= limits.maxActiveReactions {
            return refuse("global_cap", "\(limits.maxActiveReactions) reactions are active (limits.maxActiveReactions)",
                          parameters: parameters, nodes: targets)
        }
        recentStarts.removeAll { now.timeIntervalSince($0) >= 60 }
        if recentStarts.count >= limits.reactionsPerMinute {
            return refuse("rate_limit", "\(limits.reactionsPerMinute) reactions started in the last minute (limits.reactionsPerMinute)",
                          parameters: parameters, nodes: targets)
        }
        recentStarts.append(now)
        lastStart.updateValue(now, forKey: probe.dedupeKey)
        active[probe.id] = probe
        return probe
    }

    /// Ends the active reactions whose TTL has run out; returns them with outcome `expired`.
    public mutating func expire(now: Date) -> [Reaction] {
        let due = active.values.filter { $0.expires <= now }.sorted { $0.id < $1.id }
        return due.map { end($0.id, outcome: .expired, reason: nil, now: now)! }
    }

    /// Ends the active reactions of `edge` started by the series with `labels` (edges with
    /// `clearOnResolve`); returns them with outcome `cleared`.
    public mutating func clear(edge: Edge, labels: [String: String], now: Date) -> [Reaction] {
        guard edge.clearOnResolve else { return [] }
        let due = active.values.filter { $0.edge == edge.name && $0.trigger.labels == labels }.sorted { $0.id < $1.id }
        return due.map { end($0.id, outcome: .cleared, reason: "the trigger cleared", now: now)! }
    }

    /// Ends one active reaction with `outcome` (e.g. `failed` when no agent could run it).
    public mutating func end(_ id: String, outcome: Reaction.Outcome, reason: String?, now: Date) -> Reaction? {
        guard var reaction = active.removeValue(forKey: id) else { return nil }
        reaction.outcome = outcome
        reaction.reason = reason
        reaction.ended = now
        return reaction
    }

    /// Records the follow-up probe's state on a node, as its agent reports it.
    public mutating func update(_ id: String, probes: [Reaction.Probe]) -> Reaction? {
        guard var reaction = active[id], reaction.probes != probes else { return nil }
        reaction.probes = probes
        active[id] = reaction
        return reaction
    }

    /// Records when the dictator received the event that started `id` and when its probe was
    /// planned (the reaction's timeline).
    public mutating func stamp(_ id: String, received: Date? = nil, planned: Date? = nil) -> Reaction? {
        guard var reaction = active[id] else { return nil }
        if let received { reaction.received = received }
        if let planned { reaction.planned = planned }
        active[id] = reaction
        return reaction
    }

    /// `<yyyyMMdd-HHmmss>-<8 hex of a hash of edge, parameters and nodes>`.
    static func id(edge: String, parameters: [String: String], nodes: [String], at time: Date) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a: stable across runs, unlike Hasher
        let key = ([edge] + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + nodes).joined(separator: "\u{1F}")
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "\(formatter.string(from: time))-\(String(hash & 0xffff_ffff, radix: 16).leftPadded(to: 8))"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
