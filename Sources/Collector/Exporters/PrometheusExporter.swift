import Foundation
import Logging

/// The `prometheus` exporter's configuration.
public struct PrometheusExporterConfig: ComponentConfig {
    /// Where the scrape endpoint listens (`host:port`; port 0 picks a free one).
    public var endpoint = "127.0.0.1:9464"
    /// The path of the scrape endpoint.
    public var path = "/metrics"
    /// Series not updated for this long disappear from the endpoint.
    public var metricExpiration: Duration = .seconds(300)

    public init() {}
    public static let fieldNames = ["endpoint", "path", "metric_expiration"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("endpoint", into: &endpoint) { $0.string() }
        fields.read("path", into: &path) { $0.string() }
        fields.read("metric_expiration", into: &metricExpiration) { $0.duration() }
    }

    public func validate() -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if HTTPEndpoint.split(endpoint) == nil { problems.append(("endpoint", "expected host:port, found \"\(endpoint)\"")) }
        if !path.hasPrefix("/") { problems.append(("path", "must start with /")) }
        return problems
    }
}

/// Makes `prometheus` exporters.
public struct PrometheusExporterFactory: ExporterFactory {
    public init() {}
    public var type: String { "prometheus" }
    public func create(config: PrometheusExporterConfig, context: ComponentContext) throws -> any Exporter {
        PrometheusExporter(config: config, context: context)
    }
}

/// Serves the latest value of every series it was given, in the Prometheus text format (with
/// HELP and TYPE; counters named `_total`), for Prometheus to scrape. A staleness marker
/// (`MetricPoint.staleNaN`) removes its series from the page at once.
///
/// The table keeps, per series, only what the key does not hold (16 bytes beside the key, whose
/// label array the receiver's points share).
///
/// `@unchecked Sendable`: the series table is guarded by `lock`.
public final class PrometheusExporter: Exporter, @unchecked Sendable {
    /// The latest sample of a series.
    private struct Entry {
        var value: Double
        /// Seconds since `epoch` when the series was last given.
        var updated: UInt32
        var kind: MetricKind
    }

    private let config: PrometheusExporterConfig
    private let context: ComponentContext
    private let lock = NSLock()
    private let epoch = ContinuousClock.now
    private var series: [SeriesKey: Entry] = [:]
    private var help: [String: String] = [:]
    private var endpoint: HTTPEndpoint?

    init(config: PrometheusExporterConfig, context: ComponentContext) {
        self.config = config
        self.context = context
    }

    /// The port the endpoint listens on, once started.
    public var port: Int? { lock.withLock { endpoint }?.port }

    /// Whole seconds since the exporter was made.
    private func secondsSinceEpoch() -> UInt32 {
        UInt32(clamping: (ContinuousClock.now - epoch).components.seconds)
    }

    public func consume(_ batch: MetricBatch) async throws {
        let now = secondsSinceEpoch()
        lock.withLock {
            for point in batch.points {
                if point.isStale {
                    series.removeValue(forKey: point.series)
                } else {
                    series[point.series] = Entry(value: point.value, updated: now, kind: point.kind)
                }
            }
            help.merge(batch.help) { _, new in new }
        }
        context.telemetry.exported(context.telemetryName, batch.points.count)
    }

    /// The scrape page now (expired series are removed first).
    public func render() -> String {
        let now = Int64(secondsSinceEpoch()), expiration = config.metricExpiration.components.seconds
        let (points, texts) = lock.withLock { () -> ([MetricPoint], [String: String]) in
            let expired = series.compactMap { now - Int64($0.value.updated) > expiration ? $0.key : nil }
            for key in expired { series.removeValue(forKey: key) }
            let points = series.map { key, entry in
                MetricPoint(name: key.name, labels: key.labels, value: entry.value, kind: entry.kind, timestamp: 0, sorted: true)
            }
            return (points, self.help)
        }
        return PrometheusText.render(points, help: texts)
    }

    public func start() async throws {
        let endpoint = HTTPEndpoint(address: config.endpoint, routes: [config.path: { [weak self] in
            (200, PrometheusText.contentType, self?.render() ?? "")
        }], logger: context.logger)
        try await endpoint.start()
        lock.withLock { self.endpoint = endpoint }
        context.logger.info("prometheus exporter listening", metadata: ["port": "\(endpoint.port ?? 0)"])
    }

    public func shutdown() async throws {
        let endpoint = lock.withLock { () -> HTTPEndpoint? in defer { self.endpoint = nil }; return self.endpoint }
        await endpoint?.shutdown()
    }
}
