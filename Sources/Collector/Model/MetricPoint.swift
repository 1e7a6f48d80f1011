import Foundation

/// One label of a series: a name and a value.
public struct MetricLabel: Sendable, Hashable, Comparable {
    /// The label name (`[a-zA-Z_][a-zA-Z0-9_]*`).
    public var name: String
    /// The label value.
    public var value: String

    /// Creates a label.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// Orders labels by name (then value), the order every point keeps them in.
    public static func < (lhs: MetricLabel, rhs: MetricLabel) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.value < rhs.value
    }
}

/// What a sample measures.
public enum MetricKind: String, Sendable, Hashable {
    /// A cumulative count that only grows (until a reset).
    case counter
    /// A value that goes up and down.
    case gauge
    /// One sample of a histogram: a `_bucket` (with `le`), `_count` or `_sum` series.
    case histogram
    /// One sample of a summary: a quantile (with `quantile`), `_count` or `_sum` series.
    case summary
}

/// One sample of one series: the unit every receiver produces and every exporter consumes.
///
/// Labels are kept sorted by name (remote write and series identity need it); `init` sorts them.
public struct MetricPoint: Sendable, Hashable {
    /// The sample name (for histograms, with its `_bucket`, `_count` or `_sum` suffix).
    public var name: String
    /// The labels, sorted by name, without `__name__`.
    public var labels: [MetricLabel]
    /// The value.
    public var value: Double
    /// Counter, gauge or histogram sample.
    public var kind: MetricKind
    /// Milliseconds since the epoch.
    public var timestamp: Int64

    /// A point; `labels` are sorted here unless `sorted` says they already are.
    public init(name: String, labels: [MetricLabel], value: Double, kind: MetricKind, timestamp: Int64, sorted: Bool = false) {
        self.name = name
        self.labels = sorted ? labels : labels.sorted()
        self.value = value
        self.kind = kind
        self.timestamp = timestamp
    }

    /// The value of label `name`, if present.
    public func label(_ name: String) -> String? {
        labels.first { $0.name == name }?.value
    }

    /// The series this point belongs to (name + labels).
    public var series: SeriesKey { SeriesKey(name: name, labels: labels) }

    /// The metric family: the name without a histogram's or summary's sample suffix.
    public var family: String {
        guard kind == .histogram || kind == .summary else { return name }
        for suffix in kind == .histogram ? ["_bucket", "_count", "_sum"] : ["_count", "_sum"] where name.hasSuffix(suffix) {
            return String(name.dropLast(suffix.count))
        }
        return name
    }

    /// Sets label `name` to `value`, keeping the labels sorted.
    public mutating func setLabel(_ name: String, _ value: String) {
        if let index = labels.firstIndex(where: { $0.name >= name }) {
            if labels[index].name == name { labels[index].value = value } else { labels.insert(MetricLabel(name, value), at: index) }
        } else {
            labels.append(MetricLabel(name, value))
        }
    }

    /// Removes label `name`; returns its value if it was there.
    @discardableResult
    public mutating func removeLabel(_ name: String) -> String? {
        guard let index = labels.firstIndex(where: { $0.name == name }) else { return nil }
        return labels.remove(at: index).value
    }

    /// Sets every label of `extra` (sorted by name, names unique), replacing labels of the same
    /// name: one merge into a new array, for processors that add several labels at once.
    public mutating func setLabels(sorted extra: [MetricLabel]) {
        guard !extra.isEmpty else { return }
        var merged: [MetricLabel] = []
        merged.reserveCapacity(labels.count + extra.count)
        var i = 0, j = 0
        while i < labels.count || j < extra.count {
            if j == extra.count || (i < labels.count && labels[i].name < extra[j].name) {
                merged.append(labels[i]); i += 1
            } else {
                if i < labels.count && labels[i].name == extra[j].name { i += 1 }
                merged.append(extra[j]); j += 1
            }
        }
        labels = merged
    }

    /// Prometheus' staleness marker: a NaN with this exact bit pattern says "this series ended"
    /// (the scrape loop appends one for every series a target stopped exposing).
    public static let staleNaN = Double(bitPattern: 0x7ff0_0000_0000_0002)

    /// Whether the value is the staleness marker (compared by bits: every NaN compares unequal).
    public var isStale: Bool { value.bitPattern == Self.staleNaN.bitPattern }

    /// The staleness marker of this point's series, at `timestamp`.
    public func staleMarker(at timestamp: Int64) -> MetricPoint {
        MetricPoint(name: name, labels: labels, value: Self.staleNaN, kind: kind, timestamp: timestamp, sorted: true)
    }

    /// Milliseconds since the epoch, now.
    public static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// The identity of a series: its name and sorted labels.
public struct SeriesKey: Sendable, Hashable {
    /// The sample name.
    public var name: String
    /// Sorted labels.
    public var labels: [MetricLabel]

    /// Creates a key (labels must be sorted).
    public init(name: String, labels: [MetricLabel]) {
        self.name = name
        self.labels = labels
    }
}
