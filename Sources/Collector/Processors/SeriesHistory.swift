import AeolusModel

/// How much history a processor keeps per series (`max_series`, `series_idle`): the `threshold`,
/// `delta` and `rate` processors remember each series' previous sample, and series come and go
/// with flows. At `max_series` the least recently seen series gives way to the new one; a series
/// without a sample for `series_idle` is forgotten.
public struct SeriesBounds: Sendable, Hashable {
    /// Most series remembered at once.
    public var maxSeries = 100_000
    /// A series without a sample for this long is forgotten.
    public var idle: Duration = .seconds(600)

    /// The defaults.
    public init() {}
    /// The configuration fields.
    public static let fieldNames = ["max_series", "series_idle"]

    /// Reads `max_series` and `series_idle`.
    public mutating func decode(_ fields: ConfigFields) {
        fields.read("max_series", into: &maxSeries) { $0.int(minimum: 1) }
        fields.read("series_idle", into: &idle) { $0.duration() }
    }
}

/// The previous sample of every series: what rates and deltas are computed from. Bounded
/// (`SeriesBounds`): an LRU over the series, expired of idle series at most every tenth of the idle
/// time, and reported to telemetry (`aeolus_collector_series_tracked`, `_evicted`, `_expired`).
struct SeriesHistory {
    private struct Entry {
        var value: Double
        var timestamp: Int64
        /// When the series was last seen by the processor's clock (milliseconds), for expiry.
        var seen: Int64
    }

    private var last: BoundedMap<SeriesKey, Entry>
    private let idleMilliseconds: Int64
    private var nextExpiry: Int64 = 0
    /// Series forgotten after the idle time.
    private(set) var expired: UInt64 = 0
    /// Series remembered.
    var count: Int { last.count }
    /// Series forgotten to make room at the bound.
    var evicted: UInt64 { last.evictions }

    /// An empty history within `bounds`.
    init(bounds: SeriesBounds = SeriesBounds()) {
        last = BoundedMap(capacity: bounds.maxSeries)
        idleMilliseconds = max(1, bounds.idle.components.seconds * 1000 + bounds.idle.components.attoseconds / 1_000_000_000_000_000)
    }

    /// The change since the series' previous sample: the increase (a counter that went down
    /// was reset, so its increase is its new value) and the seconds between the samples.
    /// nil for the first sample of a series or a sample no newer than the previous one. `now` is
    /// the processor's clock (milliseconds; one reading per batch), for expiry.
    mutating func change(_ point: MetricPoint, now: Int64) -> (increase: Double, seconds: Double)? {
        last.use(point.series, orInsert: { Entry(value: point.value, timestamp: .min, seen: now) }) { previous in
            defer { previous = Entry(value: point.value, timestamp: point.timestamp, seen: now) }
            guard previous.timestamp != .min, point.timestamp > previous.timestamp else { return nil }
            let increase = point.value >= previous.value ? point.value - previous.value : point.value
            return (increase, Double(point.timestamp - previous.timestamp) / 1000)
        }
    }

    /// Forgets the series of `point` (it ended: a staleness marker).
    mutating func forget(_ point: MetricPoint) {
        last.removeValue(forKey: point.series)
    }

    /// Forgets series last seen longer than the idle time before `now` (the clock `change` was
    /// given), when the last expiry is a tenth of the idle time ago; returns how many.
    @discardableResult
    mutating func expireIfDue(now: Int64) -> Int {
        guard now >= nextExpiry else { return 0 }
        nextExpiry = now + max(1000, idleMilliseconds / 10)
        let cutoff = now - idleMilliseconds
        let removed = last.removeLeastRecent { $1.seen < cutoff }
        expired += UInt64(removed)
        return removed
    }

    /// Reports the history's size and what it forgot to `telemetry` as `component`'s.
    func report(to telemetry: CollectorTelemetry, as component: String) {
        telemetry.seriesHistory(component, tracked: count, evicted: evicted, expired: expired)
    }
}
