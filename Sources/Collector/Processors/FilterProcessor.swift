/// The `filter` processor's configuration.
public struct FilterProcessorConfig: ComponentConfig {
    /// Keep only points matching this (all when nil).
    public var include: PointMatcher?
    /// Drop points matching this.
    public var exclude: PointMatcher?

    public init() {}
    public static let fieldNames = ["include", "exclude"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("include", into: &include) { PointMatcher.read($0) }
        fields.read("exclude", into: &exclude) { PointMatcher.read($0) }
    }
}

/// Makes `filter` processors.
public struct FilterProcessorFactory: ProcessorFactory {
    public init() {}
    public var type: String { "filter" }
    public func create(config: FilterProcessorConfig, context: ComponentContext, next: any Consumer) throws -> any Processor {
        FilterProcessor(config: config, next: next)
    }
}

/// Keeps the points that match `include` and not `exclude` (by metric name and label values).
public struct FilterProcessor: Processor {
    let config: FilterProcessorConfig
    let next: any Consumer

    /// A filter handing what passes to `next`.
    public init(config: FilterProcessorConfig, next: any Consumer) {
        self.config = config
        self.next = next
    }

    /// The points of `batch` that pass.
    public func filter(_ batch: MetricBatch) -> MetricBatch {
        var out = batch
        out.points = batch.points.filter { point in
            (config.include.map { $0.matches(point) } ?? true) && !(config.exclude.map { $0.matches(point) } ?? false)
        }
        return out
    }

    public func consume(_ batch: MetricBatch) async throws {
        let kept = filter(batch)
        if !kept.isEmpty { try await next.consume(kept) }
    }

    public func start() async throws {}
    public func shutdown() async throws {}
}
