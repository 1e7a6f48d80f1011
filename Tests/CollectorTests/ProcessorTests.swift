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

    @Test func environmentExpansion() {
        #expect(LabelAction.expand("${env:NODE}-x", environment: ["NODE": "n7"]) == "n7-x")
        #expect(LabelAction.expand("plain") == "plain")
        #expect(LabelAction.expand("${env:MISSING}", environment: [:]) == "")
    }

    /// (above, below, rate, samples (value, ms) of one series, which samples pass)
    static let thresholds: [(Double?, Double?, Bool, [(Double, Int64)], [Bool])] = [
        (10, nil, false, [(5, 1000), (11, 2000), (10, 3000)], [false, true, false]),
        (nil, 1, false, [(0, 1000), (2, 2000)], [true, false]),
        (5, nil, true, [(0, 1000), (3, 2000), (20, 3000), (22, 4000)], [false, false, true, false]),
        (5, nil, true, [(100, 1000), (10, 2000)], [false, true]),    // a reset: the increase is the new value
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
