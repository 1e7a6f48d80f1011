import Foundation

/// Seconds in a duration.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// A Prometheus summary without quantiles: count, sum and the last observation.
public struct DurationSummary: Sendable, Hashable {
    /// Observations.
    public var count: Int = 0
    /// Their sum, seconds.
    public var sum: Double = 0
    /// The last one, seconds.
    public var last: Double = 0

    /// Adds an observation.
    public mutating func observe(_ seconds: Double) {
        count += 1
        sum += seconds
        last = seconds
    }
}

/// The dictator's own counters, rendered by `/metrics`.
public struct DictatorMetrics: Sendable, Hashable {
    /// Reconcile durations (fetch, check, compile, plan).
    public var reconcileSeconds = DurationSummary()
    /// Planner durations.
    public var planSeconds = DurationSummary()
    /// Failed fetches.
    public var fetchErrors = 0
    /// Status pushes retried.
    public var pushRetries = 0
    /// Status commits pushed.
    public var statusCommits = 0
    /// Open watch streams.
    public var watchers = 0
    /// When the last revision was applied (seconds since 1970).
    public var gitRevisionTimestamp: Double = 0
    /// This dictator leads (always, without leader election).
    public var leader = true
    /// Nodes forgotten after being lost for longer than `forgetNodesAfter`.
    public var nodesForgotten = 0
    /// Revisions not applied, by reason (`RevisionRefusal.reason`).
    public var revisionsRefused: [String: Int] = [:]
}

extension DictatorState {
    /// `/metrics` in the Prometheus text format.
    public func prometheusText() -> String {
        let m = metrics
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(Self.format(value))") }
        }
        lines += ["# HELP aeolus_dictator_reconcile_duration_seconds Time to fetch, check, compile and plan a revision.",
                  "# TYPE aeolus_dictator_reconcile_duration_seconds summary",
                  "aeolus_dictator_reconcile_duration_seconds_sum \(Self.format(m.reconcileSeconds.sum))",
                  "aeolus_dictator_reconcile_duration_seconds_count \(m.reconcileSeconds.count)"]
        metric("aeolus_dictator_last_reconcile_duration_seconds", "gauge", "Duration of the last reconcile.",
               [("", m.reconcileSeconds.last)])
        metric("aeolus_dictator_plan_duration_seconds_sum", "counter", "Total time spent planning.", [("", m.planSeconds.sum)])
        let revision = self.revision ?? ""
        metric("aeolus_dictator_revision_info", "gauge", "The git revision reconciled.",
               [("{revision=\"\(revision)\"}", revision.isEmpty ? 0 : 1)])
        metric("aeolus_dictator_revision_timestamp_seconds", "gauge", "When the last revision was applied.",
               [("", m.gitRevisionTimestamp)])
        let counts = nodeProbeCounts().sorted { $0.key < $1.key }
        metric("aeolus_dictator_probes_desired", "gauge", "Probes assigned per node.",
               counts.map { ("{node=\"\(Self.escape($0.key))\"}", Double($0.value.desired)) })
        metric("aeolus_dictator_probes_live", "gauge", "Probes reported live per node.",
               counts.map { ("{node=\"\(Self.escape($0.key))\"}", Double($0.value.live)) })
        metric("aeolus_dictator_probes_failed", "gauge", "Probes reported failed per node.",
               counts.map { ("{node=\"\(Self.escape($0.key))\"}", Double($0.value.failed)) })
        metric("aeolus_dictator_node_lost", "gauge", "1 when the node stopped reporting.",
               counts.map { ("{node=\"\(Self.escape($0.key))\"}", $0.value.lost ? 1 : 0) })
        metric("aeolus_dictator_leader", "gauge", "1 when this dictator leads (holds the leader-election lease).",
               [("", m.leader ? 1 : 0)])
        metric("aeolus_dictator_fetch_errors_total", "counter", "Failed git fetches.", [("", Double(m.fetchErrors))])
        metric("aeolus_dictator_revisions_refused_total", "counter",
               "Revisions of the branch not applied, by reason (unsigned, untrusted_key, bad_signature, unsupported_signature, over_limits).",
               m.revisionsRefused.sorted { $0.key < $1.key }.map { ("{reason=\"\($0.key)\"}", Double($0.value)) })
        metric("aeolus_dictator_status_push_retries_total", "counter", "Status pushes retried.", [("", Double(m.pushRetries))])
        metric("aeolus_dictator_status_commits_total", "counter", "Status commits pushed.", [("", Double(m.statusCommits))])
        metric("aeolus_dictator_watchers", "gauge", "Open assignment watch streams.", [("", Double(m.watchers))])
        metric("aeolus_dictator_nodes_registered", "gauge", "Nodes the dictator knows (registered or restored).",
               [("", Double(counts.count))])
        metric("aeolus_dictator_nodes_forgotten_total", "counter", "Nodes forgotten after being lost for longer than --forget-nodes-after.",
               [("", Double(m.nodesForgotten))])
        let loop = reactionCounters
        let evaluator = loop.evaluator
        metric("aeolus_dictator_event_samples_total", "counter", "Event samples received through remote write.",
               [("", Double(loop.samplesReceived))])
        metric("aeolus_dictator_event_samples_refused_total", "counter",
               "Non-finite event samples refused as event values, by reason (stale_marker, nan, infinite).",
               loop.refusedSamples.sorted { $0.key < $1.key }.map { ("{reason=\"\($0.key)\"}", Double($0.value)) })
        metric("aeolus_dictator_event_series", "gauge", "Event series whose triggers are being evaluated.",
               [("", Double(evaluator.trackedSeries))])
        metric("aeolus_dictator_event_series_limit", "gauge", "Most event series evaluated at once (--max-event-series).",
               [("", Double(evaluator.maxSeries))])
        metric("aeolus_dictator_event_series_evicted_total", "counter",
               "Least recently seen event series forgotten to make room for a new one at the limit.",
               [("", Double(evaluator.evictedSeries))])
        metric("aeolus_dictator_event_series_expired_total", "counter", "Event series forgotten after --event-series-idle without a sample.",
               [("", Double(evaluator.expiredSeries))])
        metric("aeolus_dictator_reaction_cooldowns", "gauge", "Deploy times remembered for cooldowns.",
               [("", Double(loop.planner.trackedCooldowns))])
        metric("aeolus_dictator_reaction_cooldowns_evicted_total", "counter", "Deploy times forgotten at the limit before their cooldown ended.",
               [("", Double(loop.planner.evictedCooldowns))])
        metric("aeolus_dictator_reaction_records", "gauge", "Reactions held: the active ones and ended ones not yet written.",
               [("", Double(loop.records.count))])
        metric("aeolus_dictator_reaction_records_dropped_total", "counter",
               "Ended reactions forgotten before they were written (too many waiting for the status branch).",
               [("", Double(loop.droppedRecords))])
        metric("aeolus_dictator_reactions_total", "counter", "Reactions by outcome.",
               loop.reactions.sorted { $0.key < $1.key }.map { ("{outcome=\"\($0.key)\"}", Double($0.value)) })
        metric("aeolus_dictator_reactions_refused_total", "counter", "Firings that deployed nothing, by reason.",
               loop.planner.refusals.sorted { $0.key < $1.key }.map { ("{reason=\"\($0.key)\"}", Double($0.value)) })
        metric("aeolus_dictator_reactions_active", "gauge", "Follow-up probes alive.", [("", Double(loop.planner.active.count))])
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
