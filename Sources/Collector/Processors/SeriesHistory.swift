/// The previous sample of every series: what rates and deltas are computed from.
struct SeriesHistory {
    private var last: [SeriesKey: (value: Double, timestamp: Int64)] = [:]

    /// The change since the series' previous sample: the increase (a counter that went down
    /// was reset, so its increase is its new value) and the seconds between the samples.
    /// nil for the first sample of a series or a sample no newer than the previous one.
    mutating func change(_ point: MetricPoint) -> (increase: Double, seconds: Double)? {
        let key = point.series
        defer { last[key] = (point.value, point.timestamp) }
        guard let previous = last[key], point.timestamp > previous.timestamp else { return nil }
        let increase = point.value >= previous.value ? point.value - previous.value : point.value
        return (increase, Double(point.timestamp - previous.timestamp) / 1000)
    }

    /// Forgets the series of `point` (it ended: a staleness marker).
    mutating func forget(_ point: MetricPoint) {
        last.removeValue(forKey: point.series)
    }

    /// Forgets series not seen since `timestamp` (milliseconds).
    mutating func expire(before timestamp: Int64) {
        last = last.filter { $0.value.timestamp >= timestamp }
    }
}
