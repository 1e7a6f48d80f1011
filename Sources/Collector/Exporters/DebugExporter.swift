import Logging

/// The `debug` exporter's configuration.
public struct DebugExporterConfig: ComponentConfig {
    /// `basic` logs a count per batch; `detailed` logs every point.
    public var verbosity = "basic"

    public init() {}
    public static let fieldNames = ["verbosity"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("verbosity", into: &verbosity) { $0.choice(["basic", "normal", "detailed"]) }
    }
}

/// Makes `debug` exporters.
public struct DebugExporterFactory: ExporterFactory {
    public init() {}
    public var type: String { "debug" }
    public func create(config: DebugExporterConfig, context: ComponentContext) throws -> any Exporter {
        DebugExporter(detailed: config.verbosity == "detailed", context: context)
    }
}

/// Logs what reaches it: a summary per batch, or every point.
public struct DebugExporter: Exporter {
    let detailed: Bool
    let context: ComponentContext

    public func consume(_ batch: MetricBatch) async throws {
        context.logger.info("batch", metadata: ["points": "\(batch.points.count)",
                                                "metrics": "\(Set(batch.points.map(\.family)).count)"])
        if detailed {
            for point in batch.points {
                let labels = point.labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",")
                context.logger.info("\(point.name){\(labels)} \(PrometheusText.format(point.value)) @\(point.timestamp)")
            }
        }
        context.telemetry.exported(context.telemetryName, batch.points.count)
    }

    public func start() async throws {}
    public func shutdown() async throws {}
}
