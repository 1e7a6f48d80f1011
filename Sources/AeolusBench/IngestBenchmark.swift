import AeolusTesting
import CurlKit
import Foundation
import RemoteWrite

/// The dictator's event receiver under load: remote-write requests of 1,000 series each, sent by
/// two concurrent senders, in samples per second — beside Prometheus 2.42's own remote-write
/// receiver fed the same payloads in the same run. Higher is better, so the table shows
/// microseconds per sample (lower is better) and the ratio.
struct IngestBenchmark: Benchmark {
    let name = "ingest"
    let repository: String?
    let requests = 100
    let seriesPerRequest = 1_000
    let senders = 2

    func run() async throws -> [BenchmarkResult] {
        try await onThread { try measure() }
    }

    private func measure() throws -> [BenchmarkResult] {
        let aeolus = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aeolus").path
        let payloads = try makePayloads()
        let session = try GitOpsLatencyBenchmark.Session(aeolus: aeolus, repository: try TestRunBenchmark.repositoryDirectory(repository), poll: "30s")
        defer { session.stop() }
        let dictator = try samplesPerSecond(url: session.dictatorURL + "/api/v1/write", payloads: payloads)
        let prometheus = try PrometheusServer(remoteWriteReceiver: true)
        defer { prometheus.stop() }
        let peer = try samplesPerSecond(url: prometheus.remoteWriteURL, payloads: payloads)
        return [BenchmarkResult(name: "event receiver ingest", aeolus: 1e6 / dictator, peer: 1e6 / peer,
                                peerName: "Prometheus 2.42 receiver", unit: "µs/sample", target: 1,
                                note: String(format: "%.0fk vs %.0fk samples/s, %d senders", dictator / 1000, peer / 1000, senders))]
    }

    /// `requests` bodies, each with its own `seriesPerRequest` flows of the retransmit counter
    /// (distinct series per request, so concurrent senders never write a series out of order).
    private func makePayloads() throws -> [[UInt8]] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try (0..<requests).map { index in
            var request = WriteRequest()
            request.timeseries = (0..<seriesPerRequest).map { flow in
                TimeSeries(name: "aeolus_tcp_retransmits_total",
                           labels: ["saddr": "198.18.\(flow / 250).\(flow % 250)", "daddr": "198.19.\(index / 250).\(index % 250)",
                                    "sport": "\(10000 + flow)", "dport": "8080", "node": "bench-node"],
                           samples: [Prometheus_Sample(value: Double(index), timestampMilliseconds: now)])
            }
            return try RemoteWrite.encode(request)
        }
    }

    private func samplesPerSecond(url: String, payloads: [[UInt8]]) throws -> Double {
        let headers: HTTPHeaders = {
            var headers: HTTPHeaders = [:]
            for (name, value) in RemoteWrite.requestHeaders { headers.add(name: name, value: value) }
            return headers
        }()
        let client = HTTPClient()
        let failures = Failures()
        let group = DispatchGroup()
        let start = ContinuousClock.now
        for sender in 0..<senders {
            group.enter()
            Thread {
                for index in stride(from: sender, to: payloads.count, by: senders) {
                    let request = HTTPRequest(method: .post, url: url, headers: headers, body: payloads[index], timeout: .seconds(30))
                    do {
                        let response = try client.sendBlocking(request)
                        if !(200..<300).contains(response.status) { failures.add("HTTP \(response.status): \(response.text.prefix(200))") }
                    } catch {
                        failures.add("\(error)")
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        let elapsed = ContinuousClock.now - start
        if let failure = failures.first { throw BenchError("ingest: \(url): \(failure)") }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(payloads.count * seriesPerRequest) / seconds
    }

    /// Non-2xx answers seen by the senders.
    /// @unchecked Sendable: guarded by `lock`.
    private final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var failures: [String] = []
        func add(_ failure: String) { lock.withLock { failures.append(failure) } }
        var first: String? { lock.withLock { failures.first } }
    }
}
