import Hummingbird
@testable import Collector
import RemoteWrite
import Testing

@Suite("Remote-write exporter")
struct RemoteWriteExporterTests {
    static let batch = MetricBatch(points: [
        point("aeolus_tcp_retransmits_total", ["saddr": "198.18.0.1", "Zone": "a", "dport": "80"], 7, at: 1_700_000_000_000),
        point("aeolus_flow_rtt_seconds_bucket", ["le": "0.5"], 3, kind: .histogram, at: 1_700_000_000_000),
    ])

    func exporter(_ url: String, queueSize: Int = 100) -> (RemoteWriteExporter, ComponentContext) {
        var config = RemoteWriteExporterConfig()
        config.endpoint = url
        config.queueSize = queueSize
        config.retry.initialInterval = .milliseconds(10)
        config.retry.maxInterval = .milliseconds(40)
        // Generous: on a loaded CI machine a slow retry must not turn into a drop or a shutdown loss.
        config.retry.maxElapsed = .seconds(60)
        config.shutdownTimeout = .seconds(60)
        config.externalLabels = ["cluster": "test"]
        config.timeout = .seconds(5)
        let context = testContext("prometheusremotewrite")
        return (RemoteWriteExporter(config: config, context: context), context)
    }

    func dropped(_ context: ComponentContext, _ reason: String) -> Double {
        context.telemetry.counter("aeolus_collector_dropped_points", [MetricLabel("component", "prometheusremotewrite"), MetricLabel("reason", reason)])
    }

    @Test func seriesHaveSortedLabelsAndName() throws {
        let series = RemoteWriteExporter.timeSeries(Self.batch.points[...], externalLabels: ["cluster": "c", "dport": "ignored"])
        #expect(series[0].labels.map(\.name) == ["Zone", "__name__", "cluster", "dport", "saddr"])
        #expect(series[0].label("dport") == "80")
        #expect(series[0].samples.map(\.timestamp) == [1_700_000_000_000])
        var request = WriteRequest()
        request.timeseries = series
        try RemoteWrite.validate(request)
    }

    @Test func retriesA500AndDeliversExactlyOnce() async throws {
        let server = ScriptedWriteServer(script: [500, 503, 429])
        try await server.start()
        let (exporter, context) = exporter(server.url)
        try await exporter.start()
        try await exporter.consume(Self.batch)
        try await exporter.shutdown()
        await server.stop()
        #expect(server.answered == [500, 503, 429, 204])
        #expect(server.acceptedRequests.count == 1)
        #expect(server.acceptedRequests.first?.timeseries.count == 2)
        #expect(server.acceptedRequests.first?.timeseries.first?.label("cluster") == "test")
        let headers = try #require(server.requestHeaders.first)
        #expect(headers[.contentEncoding] == "snappy")
        #expect(headers[.contentType] == "application/x-protobuf")
        #expect(headers.first { $0.name.canonicalName == "x-prometheus-remote-write-version" }?.value == "0.1.0")
        #expect(context.telemetry.counter("aeolus_collector_exported_points", [MetricLabel("exporter", "prometheusremotewrite")]) == 2)
    }

    @Test func a400IsNotRetried() async throws {
        let server = ScriptedWriteServer(script: [400])
        try await server.start()
        let (exporter, context) = exporter(server.url)
        try await exporter.start()
        try await exporter.consume(Self.batch)
        try await exporter.shutdown()
        try await Task.sleep(for: .milliseconds(100))
        await server.stop()
        #expect(server.answered == [400])
        #expect(server.acceptedRequests.isEmpty)
        #expect(dropped(context, "rejected") == 2)
    }

    @Test func fullQueueDropsTheOldest() async throws {
        let server = ScriptedWriteServer(script: [])
        try await server.start()
        let (exporter, context) = exporter(server.url, queueSize: 2)
        // Not started yet: requests wait in the queue.
        for value in 1...5 {
            try await exporter.consume(MetricBatch(points: [point("q_total", [:], Double(value))]))
        }
        #expect(exporter.queueLength == 2)
        #expect(dropped(context, "queue_full") == 3)
        try await exporter.start()
        try await exporter.shutdown()
        await server.stop()
        #expect(server.acceptedRequests.flatMap { $0.timeseries.flatMap { $0.samples.map(\.value) } } == [4, 5])
    }

    @Test(arguments: [(200, RetryPolicy.Outcome.success), (204, .success), (400, .reject), (404, .reject), (413, .reject),
                      (429, .retry), (500, .retry), (503, .retry)])
    func statusOutcomes(status: Int, outcome: RetryPolicy.Outcome) {
        #expect(RetryPolicy.outcome(status: status) == outcome)
    }

    @Test func backoffDoublesUpToTheCap() {
        var policy = RetryPolicy()
        policy.initialInterval = .milliseconds(100)
        policy.maxInterval = .milliseconds(500)
        #expect((0..<5).map { policy.delay(attempt: $0) } == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
    }

    @Test func dropOldestQueue() {
        var queue = DropOldestQueue<Int>(capacity: 3)
        #expect(queue.append(1).isEmpty)
        queue.append(2); queue.append(3)
        #expect(queue.append(4) == [1])
        #expect(queue.popFirst() == 2)
        #expect(queue.count == 2)
        for value in 5...200 { queue.append(value) }
        #expect((0..<3).compactMap { _ in queue.popFirst() } == [198, 199, 200])
        #expect(queue.popFirst() == nil)
    }
}
