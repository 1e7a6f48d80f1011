import Foundation

/// The `delta` and `rate` processors' configuration.
public struct CounterChangeConfig: ComponentConfig {
    /// Appended to the metric name of the converted points (e.g. `_rate`); empty keeps the name.
    public var suffix = ""
    /// Only these metrics are converted (regexes; all counters when empty).
    public var metrics: [String] = []
    /// How many series' previous samples are kept.
    public var series = SeriesBounds()

    public init() {}
    public static let fieldNames = ["suffix", "metrics"] + SeriesBounds.fieldNames

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("suffix", into: &suffix) { $0.string() }
        fields.read("metrics", into: &metrics) { $0.strings() }
        series.decode(fields)
    }

    public func validate() -> [(field: String, message: String)] {
        (try? PointMatcher(metricNames: metrics)) == nil ? [("metrics", "invalid regular expression")] : []
    }
}

/// Makes `delta` (increase since the previous sample) or `rate` (per-second increase) processors.
public struct CounterChangeProcessorFactory: ProcessorFactory {
    /// What the processor computes.
    public let mode: CounterChangeProcessor.Mode

    /// A factory for `mode`.
    public init(_ mode: CounterChangeProcessor.Mode) { self.mode = mode }
    public var type: String { mode.rawValue }
    public func create(config: CounterChangeConfig, context: ComponentContext, next: any Consumer) throws -> any Processor {
        try CounterChangeProcessor(mode: mode, config: config, next: next, telemetry: context.telemetry, name: context.telemetryName)
    }
}

/// Turns cumulative counters into their increase since the previous sample (`delta`) or their
/// per-second rate (`rate`), as gauges. The first sample of a series only primes the history.
/// Other points pass unchanged. A counter's staleness marker forgets its history and passes on
/// renamed like its samples, so the converted series ends too.
///
/// The history is bounded (`SeriesBounds`).
///
/// `@unchecked Sendable`: the history is guarded by `lock`.
public final class CounterChangeProcessor: Processor, @unchecked Sendable {
    /// What is computed.
    public enum Mode: String, Sendable {
        case delta, rate
    }

    private let mode: Mode
    private let config: CounterChangeConfig
    private let matcher: PointMatcher
    private let next: any Consumer
    private let lock = NSLock()
    private var history: SeriesHistory
    private let telemetry: CollectorTelemetry?
    private let name: String

    /// A processor computing `mode`, reporting its history's size to `telemetry` as `name`.
    public init(mode: Mode, config: CounterChangeConfig, next: any Consumer, telemetry: CollectorTelemetry? = nil,
                name: String? = nil) throws {
        self.mode = mode
        self.config = config
        matcher = try PointMatcher(metricNames: config.metrics)
        self.next = next
        history = SeriesHistory(bounds: config.series)
        self.telemetry = telemetry
        self.name = name ?? mode.rawValue
    }

    /// `batch` with counters converted.
    public func apply(_ batch: MetricBatch) -> MetricBatch {
        var out = batch
        let now = MetricPoint.now()
        out.points = lock.withLock {
            defer { history.expireIfDue(now: now) }
            return batch.points.compactMap { point in
                guard point.kind == .counter, matcher.isEmpty || matcher.matches(point) else { return point }
                var converted = point
                converted.kind = .gauge
                converted.name += config.suffix
                if point.isStale {
                    history.forget(point)
                    return converted
                }
                guard let change = history.change(point, now: now), change.seconds > 0 else { return nil }
                converted.value = mode == .delta ? change.increase : change.increase / change.seconds
                return converted
            }
        }
        if let telemetry { lock.withLock { history.report(to: telemetry, as: name) } }
        return out
    }

    public func consume(_ batch: MetricBatch) async throws {
        let converted = apply(batch)
        if !converted.isEmpty { try await next.consume(converted) }
    }

    public func start() async throws {}
    public func shutdown() async throws {}
}
