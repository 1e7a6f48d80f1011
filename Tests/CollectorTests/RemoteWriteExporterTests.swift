import AeolusModel
import Foundation
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

    func exporter(_ url: String, queueSize: Int = 100, maxInterval: Duration = .milliseconds(40)) -> (RemoteWriteExporter, ComponentContext) {
        var config = RemoteWriteExporterConfig()
        config.endpoint = url
        config.queueSize = queueSize
        config.retry.initialInterval = .milliseconds(10)
        config.retry.maxInterval = maxInterval
        // Generous: on a loaded CI machine a slow retry must not turn into a drop or a shutdown loss.
        config.retry.maxElapsed = .seconds(60)
        config.shutdownTimeout = .seconds(60)
        config.externalLabels = ["cluster": "test"]
        // A request that times out is sent again: under a full test run's load an answer can take seconds.
        config.timeout = .seconds(30)
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

    /// A 429 asking for 1 s and a 503 naming a date 2 s ahead: each wait lasts at least what
    /// was asked (the backoff alone would wait 10 ms), a `Retry-After` above the cap waits the
    /// cap, and the data arrives once.
    @Test func retryAfterIsHonouredUpToTheCap() async throws {
        let server = ScriptedWriteServer(script: [
            .init(429, retryAfter: { _ in "1" }),
            .init(503, retryAfter: { now in Self.httpDate(now.addingTimeInterval(2)) }),
            .init(503, retryAfter: { _ in "3600" }),
        ])
        try await server.start()
        let (exporter, _) = exporter(server.url, maxInterval: .seconds(2))
        try await exporter.start()
        try await exporter.consume(Self.batch)
        try await exporter.shutdown()
        await server.stop()
        #expect(server.answered == [429, 503, 503, 204])
        #expect(server.acceptedRequests.count == 1)
        #expect(server.acceptedRequests.first?.timeseries.count == 2)
        let arrivals = server.arrivalTimes
        try #require(arrivals.count == 4)
        #expect(arrivals[1] - arrivals[0] >= .seconds(1))
        // The date has whole seconds: 2 s ahead is at least 1 s ahead once truncated.
        #expect(arrivals[2] - arrivals[1] >= .seconds(1))
        #expect(arrivals[3] - arrivals[2] >= .seconds(2))
        #expect(arrivals[3] - arrivals[2] < .seconds(3600))
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    static let now = Date(timeIntervalSince1970: 1_445_412_400)   // Wed, 21 Oct 2015 07:26:40 GMT

    @Test(arguments: [("120", Duration?.some(.seconds(120))), (" 0 ", .some(.zero)), ("Wed, 21 Oct 2015 07:28:00 GMT", .some(.seconds(80))),
                      ("Wednesday, 21-Oct-15 07:28:00 GMT", .some(.seconds(80))), ("Wed Oct 21 07:28:00 2015", .some(.seconds(80))),
                      ("Wed, 21 Oct 2015 07:00:00 GMT", .some(.zero)), ("-5", nil), ("1.5", nil), ("soon", nil), ("", nil)])
    func retryAfterValues(value: String, expected: Duration?) {
        #expect(RetryPolicy.retryAfter(value, now: Self.now) == expected)
    }

    /// `Retry-After` is a layer over the shared backoff: it replaces the drawn delay for 429 and
    /// 503 (capped), the backoff still counts the failure, and every other answer gets the draw.
    @Test func retryAfterOnlyFor429And503AndCapped() {
        var policy = RetryPolicy()
        policy.initialInterval = .milliseconds(100)
        policy.maxInterval = .seconds(10)
        var backoff = policy.backoff(random: SeededRandom(seed: 1))
        #expect(policy.delay(after: &backoff, status: 429, retryAfter: "3") == .seconds(3))
        #expect(policy.delay(after: &backoff, status: 503, retryAfter: "3") == .seconds(3))
        #expect(policy.delay(after: &backoff, status: 503, retryAfter: "600") == .seconds(10))
        #expect(backoff.failures == 3)
        backoff.reset()
        #expect(policy.delay(after: &backoff, status: 500, retryAfter: "3") <= .milliseconds(100))
        #expect(policy.delay(after: &backoff, status: 429, retryAfter: "later") <= .milliseconds(200))
        #expect(policy.delay(after: &backoff, status: nil, retryAfter: nil) <= .milliseconds(400))
        // Without Retry-After the delays are the backoff's own draws.
        var same = policy.backoff(random: SeededRandom(seed: 5)), plain = policy.backoff(random: SeededRandom(seed: 5))
        #expect((0..<8).map { _ in policy.delay(after: &same, status: 503, retryAfter: nil) } == (0..<8).map { _ in plain.next() })
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
        // Delivery is at least once: a request that timed out on a loaded machine may arrive twice.
        let delivered = server.acceptedRequests.flatMap { $0.timeseries.flatMap { $0.samples.map(\.value) } }
        #expect(Set(delivered) == [4, 5] && delivered.first == 4, "\(delivered)")
    }

    @Test(arguments: [(200, RetryPolicy.Outcome.success), (204, .success), (400, .reject), (404, .reject), (413, .reject),
                      (429, .retry), (500, .retry), (503, .retry)])
    func statusOutcomes(status: Int, outcome: RetryPolicy.Outcome) {
        #expect(RetryPolicy.outcome(status: status) == outcome)
    }

    @Test func backoffIsJitteredUnderADoublingCappedCeiling() {
        var policy = RetryPolicy()
        policy.initialInterval = .milliseconds(100)
        policy.maxInterval = .milliseconds(500)
        var backoff = policy.backoff(random: SeededRandom(seed: 11))
        let delays = (0..<200).map { _ in backoff.next() }
        let ceilings: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400)] + Array(repeating: .milliseconds(500), count: 197)
        #expect(zip(delays, ceilings).allSatisfy { $0 >= .zero && $0 <= $1 })
        #expect(Set(delays).count > 190, "jittered: the draws differ")
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
