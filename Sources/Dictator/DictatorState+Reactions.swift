import AeolusModel
import Foundation
import ReactionEngine

/// The closed loop inside the dictator's state: event samples in, reactions out. Follow-up
/// probes join the desired state as policies of the `reactions` source, so the same planner
/// dispatches them and the same agents report them.
extension DictatorState {
    /// Evaluates remote-write samples against the graph's edges; deploys (or refuses) follow-up
    /// probes for the edges that fire and ends reactions whose trigger cleared. Returns the
    /// reactions started or refused.
    /// `received` is when the request arrived (the reaction's timeline; `now` when nil).
    @discardableResult
    public func ingest(_ series: WriteRequestSeries, received: Date? = nil, now: Date = Date()) -> [Reaction] {
        let samples = reactionBook.samples(of: series)
        reactionBook.samplesReceived += UInt64(samples.count)
        let outcome = reactionBook.evaluator.ingest(samples)
        guard !outcome.fired.isEmpty || !outcome.cleared.isEmpty else { return [] }
        let templates = templateDefinitions
        let nodes = registeredNodes.map { ReactionPlanner.Node(name: $0.name, labels: $0.labels) }
        var started: [Reaction] = []
        for firing in outcome.fired {
            guard var reaction = reactionBook.planner.react(to: firing, templates: templates, nodes: nodes,
                                                           limits: reactionBook.limits, now: now) else { continue }
            reaction.received = received ?? now
            if reaction.outcome == .active {
                reaction = reactionBook.planner.stamp(reaction.id, received: reaction.received) ?? reaction
            }
            reactionBook.record(reaction)
            reactionBook.reactions[reaction.outcome.rawValue, default: 0] += 1
            started.append(reaction)
            noteChange(reaction.outcome == .active
                ? "reaction \(reaction.id): \(reaction.edge) deployed \(reaction.template) on \(reaction.nodes.joined(separator: ", ")) (\(Self.describe(reaction.parameters)))"
                : "reaction \(reaction.id): \(reaction.edge) refused: \(reaction.reason ?? "")")
        }
        for cleared in outcome.cleared {
            for reaction in reactionBook.planner.clear(edge: cleared.edge, labels: cleared.labels, now: now) {
                end(reaction)
            }
        }
        syncReactionPolicies()
        let planned = Date()
        for (index, reaction) in started.enumerated() where reaction.outcome == .active {
            guard let stamped = reactionBook.planner.stamp(reaction.id, planned: planned) else { continue }
            reactionBook.record(stamped)
            started[index] = stamped
        }
        return started
    }

    /// Ends reactions whose TTL ran out; their probes leave the desired state.
    public func expireReactions(now: Date = Date()) {
        let expired = reactionBook.planner.expire(now: now)
        guard !expired.isEmpty else { return }
        expired.forEach(end)
        syncReactionPolicies()
    }

    /// Takes back reactions that were active before a restart (from the status branch).
    public func restoreReactions(_ reactions: [Reaction]) {
        let active = reactions.filter { $0.outcome == .active }
        reactionBook.planner.restore(active)
        for reaction in reactions.sorted(by: { $0.started < $1.started }) {
            reactionBook.recent.insert(reaction, at: 0)
            if reaction.outcome == .active { reactionBook.records[reaction.id] = reaction }
        }
        if reactionBook.recent.count > 50 { reactionBook.recent.removeLast(reactionBook.recent.count - 50) }
        syncReactionPolicies()
    }

    /// Takes back the reactions whose follow-up probes `node` still runs but that this dictator
    /// does not know: it stopped after deploying them and before committing them. Their
    /// assignments carry the reaction (`Reaction.annotation`); they carry on until their TTL
    /// (or expire at once, and are written as expired, if it ran out meanwhile).
    func adoptReactions(running probes: [ProbeState], on node: String) {
        var adopted: [Reaction] = []
        for probe in probes where probe.id.hasPrefix("reaction/") {
            guard let value = probe.annotations?[Reaction.annotation], let reaction = Reaction(annotation: value),
                  reaction.probeID == probe.id, reaction.outcome == .active,
                  reactionBook.planner.active[reaction.id] == nil,
                  !reactionBook.recent.contains(where: { $0.id == reaction.id }),
                  !adopted.contains(where: { $0.id == reaction.id }) else { continue }
            adopted.append(reaction)
        }
        guard !adopted.isEmpty else { return }
        reactionBook.planner.restore(adopted)
        for reaction in adopted {
            reactionBook.record(reaction)
            noteChange("reaction \(reaction.id): taken back from \(node)'s probes")
            logger.info("reaction taken back from an agent", metadata: ["reaction": "\(reaction.id)", "node": "\(node)"])
        }
        syncReactionPolicies()
    }

    /// Reactions whose latest record is not on the status branch yet.
    public func unwrittenReactions() -> [Reaction] {
        reactionBook.unwritten.compactMap { reactionBook.records[$0] }.sorted { $0.id < $1.id }
    }

    /// Marks reactions as written (unless they changed again since); ended ones are forgotten.
    public func markWritten(_ written: [Reaction]) {
        for reaction in written where reactionBook.records[reaction.id] == reaction {
            reactionBook.written(reaction)
        }
    }

    /// Counters of the closed loop for `/metrics`.
    var reactionCounters: ReactionBook { reactionBook }

    /// Follow-up probe states from the agents' reports; a reaction none of whose nodes could
    /// run its probe ends as failed.
    func updateReactionProbes(now: Date) {
        var ended = false
        for reaction in reactionBook.planner.active.values.sorted(by: { $0.id < $1.id }) {
            let probes = reaction.nodes.map { node -> Reaction.Probe in
                guard let probe = report(of: node)?.probes.first(where: { $0.id == reaction.probeID }) else {
                    return Reaction.Probe(node: node, state: "pending")
                }
                return Reaction.Probe(node: node, state: probe.state.rawValue, reason: probe.reason,
                                      received: probe.received, attached: probe.attached)
            }
            guard let updated = reactionBook.planner.update(reaction.id, probes: probes) else { continue }
            if probes.allSatisfy({ $0.state == ProbeState.Phase.failed.rawValue }) {
                let reasons = Set(probes.compactMap(\.reason)).sorted().joined(separator: "; ")
                if let failed = reactionBook.planner.end(updated.id, outcome: .failed, reason: reasons, now: now) {
                    end(failed)
                    ended = true
                }
            } else {
                reactionBook.record(updated)
            }
        }
        if ended { syncReactionPolicies() }
    }

    private func end(_ reaction: Reaction) {
        reactionBook.record(reaction)
        reactionBook.reactions[reaction.outcome.rawValue, default: 0] += 1
        noteChange("reaction \(reaction.id): \(reaction.outcome.rawValue)\(reaction.reason.map { " (\($0))" } ?? "")")
    }

    private func syncReactionPolicies() {
        let policies = reactionBook.planner.active.values.sorted { $0.id < $1.id }.map(ReactionBook.policy(for:))
        setPolicies(policies, source: ReactionBook.source)
    }

    private static func describe(_ parameters: [String: String]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}
