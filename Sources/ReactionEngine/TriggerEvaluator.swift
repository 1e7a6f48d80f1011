import AeolusModel

/// Evaluates every edge's trigger against incoming event samples, per series, and says when an
/// edge fires and when a fired condition clears.
///
/// Level-triggered conditions become edge-triggered events: an edge fires once when its
/// condition has held for `for`, and not again for that series until the condition clears. The
/// state per (edge, series) is bounded: at `maxSeries`, a new series takes the place of the least
/// recently seen one (an LRU: a new flow's anomaly matters more than an idle old series), and
/// `expire(now:)` forgets series with no sample for `staleAfter` seconds. Non-finite samples (NaN,
/// staleness markers, ±Inf) are ignored. A value type: the caller owns it (the dictator keeps it
/// in an actor).
public struct TriggerEvaluator: Sendable {
    /// An edge fired for a series.
    public struct Firing: Sendable, Hashable {
        /// The index of the edge in the graph.
        public var edgeIndex: Int
        /// The edge.
        public var edge: Edge
        /// The series' labels (without `__name__`).
        public var labels: [String: String]
        /// The measured value that crossed the threshold.
        public var value: Double
        /// When (seconds since the epoch).
        public var time: Double
    }

    /// What one batch of samples caused.
    public struct Outcome: Sendable {
        /// Edges that fired.
        public var fired: [Firing] = []
        /// (edge, labels) whose condition stopped holding after having fired.
        public var cleared: [Firing] = []
    }

    private struct SeriesKey: Hashable {
        var edge: Int
        var labels: [String: String]
    }

    private struct SeriesState {
        /// Samples inside the widest window needed, oldest first.
        var samples: [(time: Double, value: Double)] = []
        /// Since when the condition holds, if it does.
        var holdingSince: Double?
        /// Whether this series has fired and not cleared since.
        var fired = false
        var lastSeen: Double = 0
    }

    /// The graph's edges.
    public private(set) var edges: [Edge]
    /// Most series tracked at once.
    public let maxSeries: Int
    /// Seconds without a sample after which a series is forgotten.
    public let staleAfter: Double
    /// Series forgotten to make room for a new one at `maxSeries` (since creation).
    public var evictedSeries: UInt64 { states.evictions + evictedBefore }
    /// Series forgotten by `expire(now:)` after `staleAfter` without a sample.
    public private(set) var expiredSeries: UInt64 = 0
    /// Series currently tracked.
    public var trackedSeries: Int { states.count }

    private var states: BoundedMap<SeriesKey, SeriesState>
    /// Evictions counted by maps replaced in `update(edges:)`.
    private var evictedBefore: UInt64 = 0
    private var edgesByMetric: [String: [Int]] = [:]
    private var matchers: [Int: [CompiledMatcher]] = [:]

    /// An evaluator for `edges`.
    public init(edges: [Edge], maxSeries: Int = 100_000, staleAfter: Double = 600) {
        self.edges = edges
        self.maxSeries = maxSeries
        self.staleAfter = staleAfter
        states = BoundedMap(capacity: maxSeries)
        index()
    }

    /// Replaces the edges (a new revision); series state of edges that stay the same is kept.
    public mutating func update(edges newEdges: [Edge]) {
        guard newEdges != edges else { return }
        var moved = BoundedMap<SeriesKey, SeriesState>(capacity: maxSeries)
        for (key, state) in states.leastRecentFirst {
            if let newIndex = newEdges.firstIndex(of: edges[key.edge]) {
                moved.updateValue(state, forKey: SeriesKey(edge: newIndex, labels: key.labels))
            }
        }
        evictedBefore += states.evictions
        edges = newEdges
        states = moved
        index()
    }

    private mutating func index() {
        edgesByMetric = [:]
        matchers = [:]
        for (i, edge) in edges.enumerated() {
            edgesByMetric[edge.when.metric, default: []].append(i)
            matchers[i] = edge.when.labels.map(CompiledMatcher.init)
        }
    }

    /// Feeds samples (in time order per series) and returns what fired and what cleared.
    public mutating func ingest(_ samples: [EventSample]) -> Outcome {
        var outcome = Outcome()
        for sample in samples where sample.value.isFinite {
            guard let candidates = edgesByMetric[sample.metric] else { continue }
            for index in candidates where matchers[index]!.allSatisfy({ $0.matches(sample.labels) }) {
                evaluate(sample, edge: index, into: &outcome)
            }
        }
        return outcome
    }

    /// Forgets series not seen for `staleAfter` seconds before `now` (seconds since the epoch);
    /// returns how many. O(series forgotten): it walks from the least recently seen end.
    @discardableResult
    public mutating func expire(now: Double) -> Int {
        let staleAfter = self.staleAfter
        let expired = states.removeLeastRecent { now - $1.lastSeen > staleAfter }
        expiredSeries += UInt64(expired)
        return expired
    }

    private mutating func evaluate(_ sample: EventSample, edge index: Int, into outcome: inout Outcome) {
        let key = SeriesKey(edge: index, labels: sample.labels)
        let edge = edges[index]
        states.use(key, orInsert: { SeriesState() }) { state in
            Self.evaluate(sample, edge: edge, index: index, state: &state, into: &outcome)
        }
    }

    private static func evaluate(_ sample: EventSample, edge: Edge, index: Int, state: inout SeriesState,
                                 into outcome: inout Outcome) {
        let trigger = edge.when
        if let last = state.samples.last, sample.time < last.time {
            return // out of order: ignore, as Prometheus does
        }
        state.samples.append((sample.time, sample.value))
        state.lastSeen = sample.time
        let window = Self.window(of: trigger)
        if let cut = state.samples.firstIndex(where: { $0.time >= sample.time - window }), cut > 0 {
            // Keep one sample before the window so a rate spans the whole window.
            state.samples.removeFirst(max(0, cut - 1))
        }
        let measured = Self.measure(trigger.measure, samples: state.samples, now: sample.time)
        let firing = Firing(edgeIndex: index, edge: edge, labels: sample.labels, value: measured ?? sample.value, time: sample.time)
        if let measured, trigger.crosses(measured) {
            let since = state.holdingSince ?? sample.time
            state.holdingSince = since
            if !state.fired, sample.time - since >= (trigger.holdFor?.seconds ?? 0) {
                state.fired = true
                outcome.fired.append(firing)
            }
        } else if measured != nil {
            state.holdingSince = nil
            if state.fired {
                state.fired = false
                outcome.cleared.append(firing)
            }
        }
    }

    static func window(of trigger: Trigger) -> Double {
        switch trigger.measure {
        case .rate(let window): return window.seconds
        case .value(let window): return window?.seconds ?? 0
        }
    }

    /// The measure over `samples` (oldest first), or nil when there is not enough data yet.
    static func measure(_ measure: Trigger.Measure, samples: [(time: Double, value: Double)], now: Double) -> Double? {
        switch measure {
        case .value(nil):
            return samples.last?.value
        case .value(let window?):
            let inside = samples.filter { $0.time >= now - window.seconds }
            return inside.isEmpty ? nil : inside.map(\.value).reduce(0, +) / Double(inside.count)
        case .rate:
            guard let first = samples.first, let last = samples.last, last.time > first.time else { return nil }
            // Counter resets (a probe reloaded) count from zero, as Prometheus' rate() does.
            var increase = 0.0
            for (previous, next) in zip(samples, samples.dropFirst()) {
                increase += next.value >= previous.value ? next.value - previous.value : next.value
            }
            return increase / (last.time - first.time)
        }
    }
}

/// A label matcher with its regex compiled once.
struct CompiledMatcher: @unchecked Sendable {
    // @unchecked Sendable: `Regex` is not Sendable, but this value is immutable after init and
    // only ever used by the evaluator that owns it.
    let matcher: LabelMatcher
    let regex: Regex<AnyRegexOutput>?

    init(_ matcher: LabelMatcher) {
        self.matcher = matcher
        self.regex = (matcher.op == .matches || matcher.op == .notMatches) ? try? Regex(matcher.value) : nil
    }

    func matches(_ labels: [String: String]) -> Bool {
        matcher.matches(labels, regex: regex)
    }
}
