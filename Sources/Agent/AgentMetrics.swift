import Foundation
import Synchronization

/// The agent's own metrics, rendered in the Prometheus text format for `/metrics`:
/// `aeolus_agent_probes{state}`, `aeolus_agent_attach_seconds` (histogram) and
/// `aeolus_agent_errors_total{kind}`.
public final class AgentMetrics: Sendable {
    /// The histogram's upper bounds, seconds.
    public static let buckets: [Double] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Values {
        var probes: [String: Int] = ["live": 0, "failed": 0]
        var bucketCounts = [UInt64](repeating: 0, count: AgentMetrics.buckets.count)
        var count: UInt64 = 0
        var sum: Double = 0
        var errors: [String: UInt64] = [:]
        var samples: [Double] = []
    }

    private let values = Mutex(Values())

    /// Creates empty metrics.
    public init() {}

    /// Records how long one install, replace or attach took.
    public func observeAttach(seconds: Double) {
        values.withLock { v in
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { v.bucketCounts[index] += 1 }
            v.count += 1
            v.sum += seconds
            v.samples.append(seconds)
            if v.samples.count > 10_000 { v.samples.removeFirst(v.samples.count - 10_000) }
        }
    }

    /// Counts one error of `kind` (load, attach, detach, inventory, desired, state).
    public func countError(_ kind: String) {
        values.withLock { $0.errors[kind, default: 0] += 1 }
    }

    /// Sets the number of probes per state.
    public func setProbes(live: Int, failed: Int) {
        values.withLock { $0.probes = ["live": live, "failed": failed] }
    }

    /// The most recent attach latencies, seconds (at most 10,000).
    public var attachSamples: [Double] { values.withLock { $0.samples } }

    /// Errors counted so far, by kind.
    public var errors: [String: UInt64] { values.withLock { $0.errors } }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        let v = values.withLock { $0 }
        var lines: [String] = []
        lines.append("# HELP aeolus_agent_probes Probes on this node by state.")
        lines.append("# TYPE aeolus_agent_probes gauge")
        for state in v.probes.keys.sorted() { lines.append("aeolus_agent_probes{state=\"\(state)\"} \(v.probes[state]!)") }
        lines.append("# HELP aeolus_agent_attach_seconds Time from a desired change to the probe attached, per install, replace or attach.")
        lines.append("# TYPE aeolus_agent_attach_seconds histogram")
        for (index, bound) in Self.buckets.enumerated() {
            lines.append("aeolus_agent_attach_seconds_bucket{le=\"\(bound)\"} \(v.bucketCounts[index])")
        }
        lines.append("aeolus_agent_attach_seconds_bucket{le=\"+Inf\"} \(v.count)")
        lines.append("aeolus_agent_attach_seconds_sum \(v.sum)")
        lines.append("aeolus_agent_attach_seconds_count \(v.count)")
        lines.append("# HELP aeolus_agent_errors_total Errors by kind.")
        lines.append("# TYPE aeolus_agent_errors_total counter")
        if v.errors.isEmpty { lines.append("aeolus_agent_errors_total{kind=\"load\"} 0") }
        for kind in v.errors.keys.sorted() { lines.append("aeolus_agent_errors_total{kind=\"\(kind)\"} \(v.errors[kind]!)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
