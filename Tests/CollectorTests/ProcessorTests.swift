@testable import Collector
import Testing

@Suite("Processors")
struct ProcessorTests {
    static let batch = MetricBatch(points: [
        point("aeolus_drops_total", ["reason": "no_socket"], 5),
        point("aeolus_drops_total", ["reason": "tc_ingress"], 1),
        point("other_metric", ["pod": "web"], 2, kind: .gauge),
    ])

    /// (include names, include labels, exclude names, expected surviving lines)
    static let filters: [([String], [String: String], [String], [String])] = [
        ([], [:], [], batch.points.lines),
        (["aeolus_.*"], [:], [], ["aeolus_drops_total{reason=no_socket} 5", "aeolus_drops_total{reason=tc_ingress} 1"]),
        ([], ["reason": "tc_.*"], [], ["aeolus_drops_total{reason=tc_ingress} 1"]),
        ([], [:], ["other_metric"], ["aeolus_drops_total{reason=no_socket} 5", "aeolus_drops_total{reason=tc_ingress} 1"]),
        (["aeolus"], [:], [], []),
    ]

    @Test(arguments: filters)
    func filter(names: [String], labels: [String: String], exclude: [String], expected: [String]) throws {
        var config = FilterProcessorConfig()
        if !names.isEmpty || !labels.isEmpty { config.include = try PointMatcher(metricNames: names, labels: labels) }
        if !exclude.isEmpty { config.exclude = try PointMatcher(metricNames: exclude) }
        #expect(FilterProcessor(config: config, next: Sink()).filter(Self.batch).points.lines == expected)
    }

    static let actions: [(LabelAction, [String])] = [
        (LabelAction(key: "node", action: .insert, value: "n1"),
         ["aeolus_drops_total{node=n1,reason=no_socket} 5", "aeolus_drops_total{node=n1,reason=tc_ingress} 1", "other_metric{node=n1,pod=web} 2"]),
        (LabelAction(key: "pod", action: .insert, value: "x"),
         ["aeolus_drops_total{pod=x,reason=no_socket} 5", "aeolus_drops_total{pod=x,reason=tc_ingress} 1", "other_metric{pod=web} 2"]),
        (LabelAction(key: "pod", action: .update, value: "x"),
         ["aeolus_drops_total{reason=no_socket} 5", "aeolus_drops_total{reason=tc_ingress} 1", "other_metric{pod=x} 2"]),
        (LabelAction(key: "pod", action: .upsert, value: "x"),
         ["aeolus_drops_total{pod=x,reason=no_socket} 5", "aeolus_drops_total{pod=x,reason=tc_ingress} 1", "other_metric{pod=x} 2"]),
        (LabelAction(key: "reason", action: .delete),
         ["aeolus_drops_total{} 1", "aeolus_drops_total{} 5", "other_metric{pod=web} 2"]),
        (LabelAction(key: "reason", action: .rename, newKey: "cause"),
         ["aeolus_drops_total{cause=no_socket} 5", "aeolus_drops_total{cause=tc_ingress} 1", "other_metric{pod=web} 2"]),
    ]

    @Test(arguments: actions)
    func attributes(action: LabelAction, expected: [String]) {
        let out = AttributesProcessor(actions: [action], next: Sink()).apply(Self.batch)
        #expect(out.points.lines == expected)
        #expect(out.points.allSatisfy { $0.labels == $0.labels.sorted() })
    }

    /// (above, below, rate, samples (value, ms) of one series, which samples pass)
    static let thresholds: [(Double?, Double?, Bool, [(Double, Int64)], [Bool])] = [
        (10, nil, false, [(5, 1000), (11, 2000), (10, 3000)], [false, true, false]),
        (nil, 1, false, [(0, 1000), (2, 2000)], [true, false]),
        (5, nil, true, [(0, 1000), (3, 2000), (20, 3000), (22, 4000)], [false, false, true, false]),
        (5, nil, true, [(100, 1000), (10, 2000)], [false, true]),    // a reset: the increase is the new value
        // Both bounds: inside the band, as on graph edges (`Threshold`).
        (5, 100, false, [(3, 1000), (50, 2000), (200, 3000), (100, 4000)], [false, true, false, false]),
        (nil, nil, false, [(.nan, 1000)], [false]),
    ]

    @Test(arguments: thresholds)
    func threshold(above: Double?, below: Double?, rate: Bool, samples: [(Double, Int64)], passes: [Bool]) throws {
        var config = ThresholdProcessorConfig()
        config.above = above
        config.below = below
        config.rate = rate
        let processor = try ThresholdProcessor(config: config, next: Sink())
        let passed = samples.map { sample in
            !processor.apply(MetricBatch(points: [point("x_total", ["a": "b"], sample.0, at: sample.1)])).isEmpty
        }
        #expect(passed == passes)
    }

    @Test func thresholdRefusesBoundsThatCanNeverHold() {
        var config = ThresholdProcessorConfig()
        config.above = 100
        config.below = 5
        #expect(config.validate().map(\.field) == ["below"])
    }

    /// The history of rates is an LRU at `max_series`, expired after `series_idle`, and reported.
    @Test(arguments: [CounterChangeProcessor.Mode.delta, .rate])
    func counterChangeHistoryIsBounded(mode: CounterChangeProcessor.Mode) throws {
        var config = CounterChangeConfig()
        config.series.maxSeries = 10
        let telemetry = CollectorTelemetry()
        let processor = try CounterChangeProcessor(mode: mode, config: config, next: Sink(), telemetry: telemetry, name: "p:\(mode)")
        let flood = MetricBatch(points: (0..<1_000).map { point("c_total", ["flow": "\($0)"], 1, at: 1000) })
        #expect(processor.apply(flood).isEmpty, "first samples only prime the history")
        let labels = [MetricLabel("processor", "p:\(mode)")]
        #expect(telemetry.gauge("aeolus_collector_series_tracked", labels) == 10)
        #expect(telemetry.counter("aeolus_collector_series_evicted", labels) == 990)
        // The most recent series keep their history: their next sample converts.
        let next = processor.apply(MetricBatch(points: [point("c_total", ["flow": "999"], 5, at: 2000)]))
        #expect(next.points.map(\.value) == [mode == .delta ? 4 : 4])
    }

    @Test func seriesHistoryExpiresIdleSeries() {
        var bounds = SeriesBounds()
        bounds.idle = .seconds(60)
        var history = SeriesHistory(bounds: bounds)
        _ = history.change(point("c_total", ["flow": "old"], 1), now: 0)
        _ = history.change(point("c_total", ["flow": "new"], 1), now: 50_000)
        #expect(history.expireIfDue(now: 70_000) == 1)
        #expect(history.count == 1)
        #expect(history.expireIfDue(now: 71_000) == 0, "not due again before a tenth of the idle time")
        #expect(history.expireIfDue(now: 200_000) == 1)
        #expect(history.expired == 2)
    }

    @Test func seriesBoundsAreConfigurable() throws {
        func yaml(_ processors: String) -> String {
            "receivers: {ebpf: {state_dir: /nonexistent-aeolus-state}}\nprocessors: \(processors)\nexporters: {debug: }\n"
                + "service: {telemetry: {metrics: {address: none}}, pipelines: {metrics: {receivers: [ebpf], processors: [rate], exporters: [debug]}}}\n"
        }
        _ = try CollectorConfig.parse(yaml: yaml("{rate: {max_series: 500, series_idle: 2m}}"), file: "c.yaml")
        let error = try #require(throws: ConfigErrors.self) {
            try CollectorConfig.parse(yaml: yaml("{rate: {max_series: 0}}"), file: "c.yaml")
        }
        #expect("\(error)".contains("at least 1"))
    }

    @Test func thresholdDropsOtherMetricsUnlessAsked() throws {
        var config = ThresholdProcessorConfig()
        config.above = 0
        config.metrics = ["aeolus_.*"]
        #expect(try ThresholdProcessor(config: config, next: Sink()).apply(Self.batch).points.count == 2)
        config.passOthers = true
        #expect(try ThresholdProcessor(config: config, next: Sink()).apply(Self.batch).points.count == 3)
    }

    /// (mode, samples, expected output values)
    static let changes: [(CounterChangeProcessor.Mode, [(Double, Int64)], [Double])] = [
        (.delta, [(10, 1000), (15, 2000), (15, 3000), (4, 4000)], [5, 0, 4]),
        (.rate, [(10, 1000), (30, 3000), (31, 3500)], [10, 2]),
    ]

    @Test(arguments: changes)
    func counterChange(mode: CounterChangeProcessor.Mode, samples: [(Double, Int64)], expected: [Double]) throws {
        let processor = try CounterChangeProcessor(mode: mode, config: CounterChangeConfig(), next: Sink())
        let values = samples.flatMap { sample in
            processor.apply(MetricBatch(points: [point("c_total", [:], sample.0, at: sample.1)])).points.map(\.value)
        }
        #expect(values == expected)
        let gauge = processor.apply(MetricBatch(points: [point("g", [:], 3, kind: .gauge)]))
        #expect(gauge.points.map(\.value) == [3])
    }

    @Test func batchSendsFullBatchesAndFlushesOnShutdown() async throws {
        let sink = Sink()
        var config = BatchProcessorConfig()
        config.sendBatchSize = 3
        config.timeout = .seconds(60)
        let processor = BatchProcessor(config: config, next: sink)
        try await processor.start()
        try await processor.consume(MetricBatch(points: Array(Self.batch.points.prefix(2))))
        #expect(sink.batchCount == 0)
        try await processor.consume(MetricBatch(points: Array(Self.batch.points.suffix(2))))
        #expect(sink.batchCount == 1)
        #expect(sink.points.count == 4)
        try await processor.consume(MetricBatch(points: [Self.batch.points[0]]))
        try await processor.shutdown()
        #expect(sink.batchCount == 2)
        #expect(sink.points.count == 5)
    }

    @Test func batchFlushesOnTimeout() async throws {
        let sink = Sink()
        var config = BatchProcessorConfig()
        config.timeout = .milliseconds(20)
        let processor = BatchProcessor(config: config, next: sink)
        try await processor.start()
        try await processor.consume(Self.batch)
        for _ in 0..<200 where sink.points.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sink.points.count == 3)
        try await processor.shutdown()
    }

    @Test func memoryLimiterRefusesAboveTheLimit() async throws {
        let context = testContext("memory_limiter")
        var config = MemoryLimiterConfig()
        config.limitMiB = 1
        let sink = Sink()
        let limiter = MemoryLimiterProcessor(config: config, context: context, next: sink)
        await #expect(throws: CollectorError.self) { try await limiter.consume(Self.batch) }
        #expect(context.telemetry.counter("aeolus_collector_dropped_points", [MetricLabel("component", "memory_limiter"), MetricLabel("reason", "memory_limit")]) == 3)
        config.limitMiB = 1 << 20
        try await MemoryLimiterProcessor(config: config, context: context, next: sink).consume(Self.batch)
        #expect(sink.points.count == 3)
    }
}
