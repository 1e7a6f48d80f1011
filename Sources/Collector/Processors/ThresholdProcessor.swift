import AeolusModel
import Foundation

/// The `threshold` processor's configuration.
public struct ThresholdProcessorConfig: ComponentConfig {
    /// Pass series whose value (or rate) is above this (and below `below` when both are given:
    /// inside the band, as on graph edges; see `Threshold`).
    public var above: Double?
    /// Pass series whose value (or rate) is below this (and above `above` when both are given).
    public var below: Double?
    /// Compare the per-second rate of increase instead of the value (counters).
    public var rate = false
    /// Only these metrics are thresholded (regexes; all when empty).
    public var metrics: [String] = []
    /// Whether points of other metrics pass untouched (else they are dropped).
    public var passOthers = false
    /// How many series' previous samples are kept for `rate`.
    public var series = SeriesBounds()

    public init() {}
    public static let fieldNames = ["above", "below", "rate", "metrics", "pass_others"] + SeriesBounds.fieldNames

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("above", into: &above) { $0.double() }
        fields.read("below", into: &below) { $0.double() }
        fields.read("rate", into: &rate) { $0.bool() }
        fields.read("metrics", into: &metrics) { $0.strings() }
        fields.read("pass_others", into: &passOthers) { $0.bool() }
        series.decode(fields)
    }

    public func validate() -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if above == nil && below == nil { problems.append(("above", "set above, below or both")) }
        if let problem = Threshold.problem(above: above, below: below) { problems.append(("below", problem)) }
        if (try? PointMatcher(metricNames: metrics)) == nil { problems.append(("metrics", "invalid regular expression")) }
        return problems
    }
}

/// Makes `threshold` processors.
public struct ThresholdProcessorFactory: ProcessorFactory {
    public init() {}
    public var type: String { "threshold" }
    public func create(config: ThresholdProcessorConfig, context: ComponentContext, next: any Consumer) throws -> any Processor {
        try ThresholdProcessor(config: config, next: next, telemetry: context.telemetry, name: context.telemetryName)
    }
}

/// Passes only the points whose value, or rate, is beyond a bound: turns a stream of samples
/// into a stream of events (what the dictator reacts to).
///
/// A staleness marker of a thresholded metric forgets the series' history and is dropped: the
/// output is events, not series, and the dictator's evaluator would take the NaN for a value
/// (it forgets quiet series by itself).
///
/// The history of `rate` is bounded (`SeriesBounds`).
///
/// `@unchecked Sendable`: the series history is guarded by `lock`.
public final class ThresholdProcessor: Processor, @unchecked Sendable {
    private let config: ThresholdProcessorConfig
    private let matcher: PointMatcher
    private let next: any Consumer
    private let lock = NSLock()
    private var history: SeriesHistory
    private let telemetry: CollectorTelemetry?
    private let name: String

    /// A threshold processor handing what passes to `next`, reporting its history's size to
    /// `telemetry` as `name`.
    public init(config: ThresholdProcessorConfig, next: any Consumer, telemetry: CollectorTelemetry? = nil, name: String = "threshold") throws {
        self.config = config
        matcher = try PointMatcher(metricNames: config.metrics)
        self.next = next
        history = SeriesHistory(bounds: config.series)
        self.telemetry = telemetry
        self.name = name
    }

    /// Whether `measure` satisfies the bounds (the graph's meaning: `Threshold`).
    private func crosses(_ measure: Double) -> Bool {
        Threshold.holds(measure, above: config.above, below: config.below)
    }

    /// The points of `batch` that pass (rates use and update the history).
    public func apply(_ batch: MetricBatch) -> MetricBatch {
        var out = batch
        let now = config.rate ? MetricPoint.now() : 0
        out.points = lock.withLock {
            defer { if config.rate { history.expireIfDue(now: now) } }
            return batch.points.filter { point in
                guard matcher.isEmpty || matcher.matches(point) else { return config.passOthers }
                if point.isStale {
                    history.forget(point)
                    return false
                }
                guard config.rate else { return crosses(point.value) }
                guard let change = history.change(point, now: now), change.seconds > 0 else { return false }
                return crosses(change.increase / change.seconds)
            }
        }
        if config.rate, let telemetry { lock.withLock { history.report(to: telemetry, as: name) } }
        return out
    }

    public func consume(_ batch: MetricBatch) async throws {
        let passed = apply(batch)
        if !passed.isEmpty { try await next.consume(passed) }
    }

    public func start() async throws {}
    public func shutdown() async throws {}
}
