import AeolusTesting
import Collector
import CurlKit
import Foundation
import Logging
import Synchronization

/// The collector under churn: a pipeline graph built from config as `aeolus collector` builds it
/// (in this process), fed every `interval` seconds with `series` flow counters whose label sets
/// are all replaced every `generation` seconds (the old ones end with staleness markers, as the
/// eBPF receiver ends series that leave a map). Four pipelines share the feed: straight to a
/// `prometheus` exporter, through `delta`, through `rate`, and through `threshold` with `rate`,
/// with the processors' default bounds (`max_series` 100000, `series_idle` 10m); the exporter's
/// page is scraped every round, as Prometheus would. Every few seconds it samples this process's
/// RSS and the processors' `aeolus_collector_series_tracked` (summed) and evicted/expired counts,
/// and prints the curve and whether RSS stayed flat over the second half.
struct CollectorSoakBenchmark: Benchmark {
    let name = "soak-collector"
    let series = Int(soakSetting(nil, "AEOLUS_SOAK_COLLECTOR_SERIES", 100_000))
    let seconds = soakSetting(nil, "AEOLUS_SOAK_COLLECTOR_SECONDS", 180)
    let generation = soakSetting(nil, "AEOLUS_SOAK_COLLECTOR_GENERATION_SECONDS", 60)
    let interval = 10.0
    var onlyWhenNamed: Bool { true }

    func run() async throws -> [BenchmarkResult] {
        let port = try PrometheusServer.freePort()
        var factories = ComponentFactories.standard
        let feed = SoakFeed()
        factories.register(SoakReceiverFactory(feed: feed))
        let config = try CollectorConfig.parse(yaml: Self.config(port: port), file: "soak-collector.yaml", factories: factories)
        var logger = Logger(label: "soak-collector")
        logger.logLevel = .warning
        let telemetry = CollectorTelemetry()
        let collector = try Collector(config: config, logger: logger, telemetry: telemetry)
        try await collector.start()
        let processors = config.pipelines.flatMap { pipeline in pipeline.processors.map { "\(pipeline.id):\($0)" } }
        print(String(format: "soak-collector: %d series replaced every %.0f s, fed every %.0f s for %.0f s; processors %@ "
                     + "(max_series 100000, series_idle 10m each); prometheus exporter metric_expiration 5m",
                     series, generation, interval, seconds, processors.joined(separator: ", ")))

        let origin = Date()
        let sampler = SoakSampler(every: 5) {
            func sum(_ read: (String) -> Double) -> Double { processors.reduce(0) { $0 + read($1) } }
            return SoakCurve.Point(
                time: Date().timeIntervalSince(origin), sent: feed.fed.withLock { $0 },
                rss: Double(MemoryLimiterProcessor.residentSetBytes()) / 1_048_576,
                tracked: sum { telemetry.gauge("aeolus_collector_series_tracked", [MetricLabel("processor", $0)]) ?? 0 },
                evicted: sum { telemetry.counter("aeolus_collector_series_evicted", [MetricLabel("processor", $0)]) },
                expired: sum { telemetry.counter("aeolus_collector_series_expired", [MetricLabel("processor", $0)]) })
        }
        var exported = 0
        do {
            let rounds = Int(seconds / interval)
            let series = self.series, generation = self.generation, interval = self.interval
            for round in 0..<rounds {
                let planned = origin.addingTimeInterval(Double(round) * interval)
                let batch = try await onThread { Self.batch(round: round, series: series, generation: generation, interval: interval) }
                try await feed.consume(batch)
                exported = try await onThread { try Self.scrape(port: port) }
                let wait = planned.addingTimeInterval(interval).timeIntervalSinceNow
                if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
            }
        } catch {
            sampler.stop()
            await collector.shutdown()
            throw error
        }
        let soak = sampler.stop()
        await collector.shutdown()

        print(soak.render(sentLabel: "points fed", trackedLabel: "proc. series"))
        let tracked = soak.points.last?.tracked ?? 0
        print(String(format: "bounds: processors track %.0f series (peak %.0f; %d processors × max_series 100000), evicted %.0f, expired %.0f; "
                     + "the exporter's page holds %d series (%d fed per round, ×3 with delta and rate)",
                     tracked, soak.points.map(\.tracked).max() ?? 0, processors.count, soak.points.last?.evicted ?? 0,
                     soak.points.last?.expired ?? 0, exported, series))
        print(soak.verdict)
        return [
            BenchmarkResult(name: "soak collector: RSS growth over the second half", aeolus: soak.secondHalfGrowth * 100,
                            peer: SoakCurve.flatFraction * 100, peerName: "flat: below", unit: "%", target: 1,
                            note: String(format: "%d series replaced every %.0f s for %.0f s; RSS mid %.0f MiB, end %.0f MiB (whole process)",
                                         series, generation, seconds, soak.midRSS, soak.points.last?.rss ?? 0)),
            BenchmarkResult(name: "soak collector: processor series held", aeolus: soak.points.map(\.tracked).max() ?? 0,
                            peer: Double(processors.count * 100_000), peerName: "max_series × processors", unit: "series", target: 1,
                            note: String(format: "evicted %.0f, expired %.0f; exporter page %d series",
                                         soak.points.last?.evicted ?? 0, soak.points.last?.expired ?? 0, exported)),
        ]
    }

    static func config(port: Int) -> String {
        """
        receivers:
          soak: {}
        processors:
          delta: {metrics: [aeolus_tcp_retransmits_total], suffix: _increase}
          rate: {metrics: [aeolus_tcp_retransmits_total], suffix: _rate}
          threshold: {metrics: [aeolus_tcp_retransmits_total], rate: true, above: 5}
        exporters:
          prometheus: {endpoint: "127.0.0.1:\(port)"}
        service:
          pipelines:
            metrics: {receivers: [soak], exporters: [prometheus]}
            metrics/delta: {receivers: [soak], processors: [delta], exporters: [prometheus]}
            metrics/rate: {receivers: [soak], processors: [rate], exporters: [prometheus]}
            metrics/events: {receivers: [soak], processors: [threshold], exporters: [prometheus]}

        """
    }

    /// Round `round`: every series of the current generation, and staleness markers for the
    /// previous generation's when it has just been replaced.
    static func batch(round: Int, series: Int, generation: Double, interval: Double) -> MetricBatch {
        let now = MetricPoint.now()
        func generationOf(_ round: Int) -> Int { Int(Double(round) * interval / generation) }
        func point(_ index: Int, generation: Int, value: Double) -> MetricPoint {
            let flow = DictatorSoakBenchmark.labels(generation * series + index)
            return MetricPoint(name: "aeolus_tcp_retransmits_total", labels: flow.map { MetricLabel($0.key, $0.value) },
                               value: value, kind: .counter, timestamp: now)
        }
        let current = generationOf(round)
        var points = (0..<series).map { point($0, generation: current, value: Double(round * (1 + $0 % 3))) }
        if round > 0, generationOf(round - 1) != current {
            points += (0..<series).map { point($0, generation: generationOf(round - 1), value: MetricPoint.staleNaN) }
        }
        return MetricBatch(points: points)
    }

    /// Scrapes the prometheus exporter's page (which also drops its expired series) and counts
    /// its series.
    static func scrape(port: Int) throws -> Int {
        let response = try HTTPClient().sendBlocking(HTTPRequest(url: "http://127.0.0.1:\(port)/metrics", timeout: .seconds(30)),
                                                     maxBodyBytes: 1 << 30)
        guard response.status == 200 else { throw BenchError("soak-collector: the exporter answered HTTP \(response.status)") }
        return response.body.split(separator: UInt8(ascii: "\n")).filter { $0.first != UInt8(ascii: "#") }.count
    }
}

/// Where the soak hands its batches into the pipelines: the `soak` receiver's downstream.
private final class SoakFeed: Sendable {
    let next = Mutex<(any Consumer)?>(nil)
    /// Points handed on so far.
    let fed = Mutex(0)

    func consume(_ batch: MetricBatch) async throws {
        guard let next = next.withLock({ $0 }) else { throw BenchError("soak-collector: the soak receiver was not created") }
        try await next.consume(batch)
        fed.withLock { $0 += batch.points.count }
    }
}

/// The `soak` receiver: no source of its own; the benchmark feeds its downstream.
private struct SoakReceiverFactory: ReceiverFactory {
    struct Config: ComponentConfig {
        init() {}
        static let fieldNames: [String] = []
        mutating func decode(_ fields: ConfigFields) {}
    }

    let feed: SoakFeed
    var type: String { "soak" }

    func create(config: Config, context: ComponentContext, next: any Consumer) throws -> any Receiver {
        feed.next.withLock { $0 = next }
        return SoakReceiver()
    }
}

private struct SoakReceiver: Receiver {
    func start() async throws {}
    func shutdown() async throws {}
}
