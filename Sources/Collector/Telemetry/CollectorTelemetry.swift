import Foundation

/// The collector's own metrics (`aeolus_collector_*`): points received, exported and dropped per
/// component, exporter queue lengths and export latency. Served on the telemetry `/metrics`.
///
/// `@unchecked Sendable`: all state is guarded by `lock`.
public final class CollectorTelemetry: @unchecked Sendable {
    private struct Key: Hashable {
        let name: String
        let labels: [MetricLabel]
    }

    private let lock = NSLock()
    private var counters: [Key: Double] = [:]
    private var gauges: [Key: Double] = [:]
    private var latency: [String: (buckets: [UInt64], count: UInt64, sum: Double)] = [:]

    /// Export latency bucket bounds, seconds.
    public static let latencyBounds: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    static let help: [String: String] = [
        "aeolus_collector_received_points": "Points a receiver produced.",
        "aeolus_collector_exported_points": "Points an exporter delivered.",
        "aeolus_collector_dropped_points": "Points a component dropped, by reason.",
        "aeolus_collector_map_entries_read": "BPF map entries the ebpf receiver read.",
        "aeolus_collector_queue_length": "Batches waiting in an exporter's queue.",
        "aeolus_collector_export_latency_seconds": "Time to deliver one request, retries included.",
        "aeolus_collector_export_failures": "Requests an exporter gave up on.",
        "aeolus_collector_series_tracked": "Series whose previous sample a processor remembers (threshold, delta, rate).",
        "aeolus_collector_series_evicted": "Least recently seen series a processor forgot to make room at max_series.",
        "aeolus_collector_series_expired": "Series a processor forgot after series_idle without a sample.",
    ]

    /// A fresh set of counters.
    public init() {}

    private func add(_ name: String, _ labels: [MetricLabel], _ amount: Double) {
        lock.withLock { counters[Key(name: name, labels: labels), default: 0] += amount }
    }

    /// Counts points a receiver produced.
    public func received(_ component: String, _ count: Int) {
        add("aeolus_collector_received_points", [MetricLabel("receiver", component)], Double(count))
    }

    /// Counts points an exporter delivered.
    public func exported(_ component: String, _ count: Int) {
        add("aeolus_collector_exported_points", [MetricLabel("exporter", component)], Double(count))
    }

    /// Counts points a component dropped, with the reason (`queue_full`, `rejected`, `memory_limit`, ...).
    public func dropped(_ component: String, reason: String, _ count: Int) {
        guard count > 0 else { return }
        add("aeolus_collector_dropped_points", [MetricLabel("component", component), MetricLabel("reason", reason)], Double(count))
    }

    /// Counts map entries read.
    public func mapEntriesRead(_ component: String, _ count: Int) {
        add("aeolus_collector_map_entries_read", [MetricLabel("receiver", component)], Double(count))
    }

    /// Counts requests an exporter gave up on.
    public func exportFailed(_ component: String) {
        add("aeolus_collector_export_failures", [MetricLabel("exporter", component)], 1)
    }

    /// Sets a processor's series-history figures (totals since it started).
    public func seriesHistory(_ component: String, tracked: Int, evicted: UInt64, expired: UInt64) {
        let labels = [MetricLabel("processor", component)]
        lock.withLock {
            gauges[Key(name: "aeolus_collector_series_tracked", labels: labels)] = Double(tracked)
            counters[Key(name: "aeolus_collector_series_evicted", labels: labels)] = Double(evicted)
            counters[Key(name: "aeolus_collector_series_expired", labels: labels)] = Double(expired)
        }
    }

    /// The value of a gauge (tests read it).
    public func gauge(_ name: String, _ labels: [MetricLabel]) -> Double? {
        lock.withLock { gauges[Key(name: name, labels: labels.sorted())] }
    }

    /// Sets an exporter's queue length.
    public func queueLength(_ component: String, _ length: Int) {
        lock.withLock { gauges[Key(name: "aeolus_collector_queue_length", labels: [MetricLabel("exporter", component)])] = Double(length) }
    }

    /// Records how long one export took.
    public func exportLatency(_ component: String, seconds: Double) {
        lock.withLock {
            var entry = latency[component] ?? (Array(repeating: 0, count: Self.latencyBounds.count), 0, 0)
            for (index, bound) in Self.latencyBounds.enumerated() where seconds <= bound { entry.buckets[index] += 1 }
            entry.count += 1
            entry.sum += seconds
            latency[component] = entry
        }
    }

    /// The value of a counter (tests and the benchmark read it).
    public func counter(_ name: String, _ labels: [MetricLabel]) -> Double {
        lock.withLock { counters[Key(name: name, labels: labels.sorted())] ?? 0 }
    }

    /// Every metric now, as points.
    public func snapshot() -> MetricBatch {
        let now = MetricPoint.now()
        return lock.withLock {
            var points: [MetricPoint] = []
            for (key, value) in counters {
                points.append(MetricPoint(name: key.name, labels: key.labels, value: value, kind: .counter, timestamp: now))
            }
            for (key, value) in gauges {
                points.append(MetricPoint(name: key.name, labels: key.labels, value: value, kind: .gauge, timestamp: now))
            }
            let family = "aeolus_collector_export_latency_seconds"
            for (component, entry) in latency {
                let label = MetricLabel("exporter", component)
                for (index, bound) in Self.latencyBounds.enumerated() {
                    points.append(MetricPoint(name: family + "_bucket", labels: [label, MetricLabel("le", PrometheusText.format(bound))],
                                              value: Double(entry.buckets[index]), kind: .histogram, timestamp: now))
                }
                points.append(MetricPoint(name: family + "_bucket", labels: [label, MetricLabel("le", "+Inf")],
                                          value: Double(entry.count), kind: .histogram, timestamp: now))
                points.append(MetricPoint(name: family + "_count", labels: [label], value: Double(entry.count), kind: .histogram, timestamp: now))
                points.append(MetricPoint(name: family + "_sum", labels: [label], value: entry.sum, kind: .histogram, timestamp: now))
            }
            return MetricBatch(points: points, help: Self.help)
        }
    }
}
