import Foundation

/// The `threshold` processor's configuration.
public struct ThresholdProcessorConfig: ComponentConfig {
    /// Pass series whose value (or rate) is above this.
    public var above: Double?
    /// Pass series whose value (or rate) is below this.
    public var below: Double?
    /// Compare the per-second rate of increase instead of the value (counters).
    public var rate = false
    /// Only these metrics are thresholded (regexes; all when empty).
    public var metrics: [String] = []
    /// Whether points of other metrics pass untouched (else they are dropped).
    public var passOthers = false

    public init() {}
    public static let fieldNames = ["above", "below", "rate", "metrics", "pass_others"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("above", into: &above) { $0.double() }
        fields.read("below", into: &below) { $0.double() }
        fields.read("rate", into: &rate) { $0.bool() }
        fields.read("metrics", into: &metrics) { $0.strings() }
        fields.read("pass_others", into: &passOthers) { $0.bool() }
    }

    public func validate() -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if above == nil && below == nil { problems.append(("above", "set above, below or both")) }
        if (try? PointMatcher(metricNames: metrics)) == nil { problems.append(("metrics", "invalid regular expression")) }
        return problems
    }
}

/// Makes `threshold` processors.
public struct ThresholdProcessorFactory: ProcessorFactory {
    public init() {}
    public var type: String { "threshold" }
    public func create(config: ThresholdProcessorConfig, context: ComponentContext, next: any Consumer) throws -> any Processor {
        try ThresholdProcessor(config: config, next: next)
    }
}

/// Passes only the points whose value, or rate, is beyond a bound: turns a stream of samples
/// into a stream of events (what the dictator reacts to).
///
/// A staleness marker of a thresholded metric forgets the series' history and is dropped: the
/// output is events, not series, and the dictator's evaluator would take the NaN for a value
/// (it forgets quiet series by itself).
///
/// `@unchecked Sendable`: the series history is guarded by `lock`.
public final class ThresholdProcessor: Processor, @unchecked Sendable {
    private let config: ThresholdProcessorConfig
    private let matcher: PointMatcher
    private let next: any Consumer
    private let lock = NSLock()
    private var history = SeriesHistory()

    /// A threshold processor handing what passes to `next`.
    public init(config: ThresholdProcessorConfig, next: any Consumer) throws {
        self.config = config
        matcher = try PointMatcher(metricNames: config.metrics)
        self.next = next
    }

    /// Whether `measure` is beyond a bound.
    private func crosses(_ measure: Double) -> Bool {
        (config.above.map { measure > $0 } ?? false) || (config.below.map { measure < $0 } ?? false)
    }

    /// The points of `batch` that pass (rates use and update the history).
    public func apply(_ batch: MetricBatch) -> MetricBatch {
        var out = batch
        out.points = lock.withLock {
            batch.points.filter { point in
                guard matcher.isEmpty || matcher.matches(point) else { return config.passOthers }
                if point.isStale {
                    history.forget(point)
                    return false
                }
                guard config.rate else { return crosses(point.value) }
                guard let change = history.change(point), change.seconds > 0 else { return false }
                return crosses(change.increase / change.seconds)
            }
        }
        return out
    }

    public func consume(_ batch: MetricBatch) async throws {
        let passed = apply(batch)
        if !passed.isEmpty { try await next.consume(passed) }
    }

    public func start() async throws {}
    public func shutdown() async throws {}
}
