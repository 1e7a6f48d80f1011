import AeolusModel
import AeolusTesting
import Collector
import CurlKit
import Dictator
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import RemoteWrite
import Synchronization

/// The dictator under a long stream of distinct flows: the release `aeolus dictator` (a child
/// process, its repository behind `git daemon`, as in the fanout benchmark) receives `series`
/// distinct flows of `aeolus_tcp_retransmits_total` by remote write over `seconds`, every one
/// below its graph edge's threshold (`above: 5`); then one new flow crosses it and its reaction
/// must start. Every few seconds it samples the dictator's RSS and its own gauges of trigger
/// state (`aeolus_dictator_event_series`, `_evicted_total`, `_expired_total`) and prints the
/// curve beside the bounds (`--max-event-series`, `--event-series-idle`), and whether RSS stayed
/// flat over the second half.
///
/// The load is encoded ahead (a thread keeps up to `lead` requests of `seriesPerRequest` flows
/// ready, each stamped with its planned send time) and sent on `connections` keep-alive
/// connections of one event loop; the achieved rate is printed beside the target.
struct DictatorSoakBenchmark: Benchmark {
    let name = "soak-dictator"
    let repository: String?
    let series: Int
    let seconds: Double
    let maxEventSeries: Int
    let eventSeriesIdle: Int
    let seriesPerRequest = 1_000
    let connections = 4
    let lead = 64
    var onlyWhenNamed: Bool { true }

    /// The edge's threshold: every soak flow is below it, the last flow above.
    static let threshold = 5.0
    static let node = "soak-node"

    init(repository: String?, series: Double?, seconds: Double?) {
        self.repository = repository
        self.series = Int(soakSetting(series, "AEOLUS_SOAK_SERIES", 1_000_000))
        self.seconds = soakSetting(seconds, "AEOLUS_SOAK_SECONDS", 600)
        maxEventSeries = Int(soakSetting(nil, "AEOLUS_SOAK_MAX_EVENT_SERIES", 100_000))
        eventSeriesIdle = Int(soakSetting(nil, "AEOLUS_SOAK_EVENT_SERIES_IDLE_SECONDS", 600))
    }

    func run() async throws -> [BenchmarkResult] {
        let example = try TestRunBenchmark.repositoryDirectory(repository)
        guard FileManager.default.isExecutableFile(atPath: AeolusBinary.path) else {
            throw BenchError("the soak benchmark runs \(AeolusBinary.path); build it first (make soak does)")
        }
        return try await onThread { try measure(example: example) }
    }

    /// Flow `index`: an ephemeral source port, the source address advancing when the ports run out.
    static func labels(_ index: Int) -> [String: String] {
        let ports = 28_232 // 32768–60999, Linux's ephemeral range
        let host = index / ports
        return ["node": node, "saddr": "198.18.\(host / 250).\(host % 250 + 1)", "daddr": "198.19.0.1",
                "sport": "\(32_768 + index % ports)", "dport": "443"]
    }

    private func measure(example: String) throws -> [BenchmarkResult] {
        let session = try FanoutBenchmark.Session(
            example: example, graph: retransmitsToLatencyGraph(ttl: "60s", maxActive: 10, above: Self.threshold),
            arguments: ["--max-event-series", "\(maxEventSeries)", "--event-series-idle", "\(eventSeriesIdle)s", "--heartbeat", "5s"],
            prefix: "aeolus-bench-soak")
        defer { session.stop() }
        let dictator = session.dictator
        let http = HTTPClient(bearerToken: FanoutBenchmark.Session.token)
        let requests = (series + seriesPerRequest - 1) / seriesPerRequest
        let interval = seconds / Double(requests)
        print(String(format: "soak-dictator: %d flows in %d requests over %.0f s (target %.0f series/s) on %d connections; "
                     + "bounds --max-event-series %d, --event-series-idle %d s", series, requests, seconds,
                     Double(series) / seconds, connections, maxEventSeries, eventSeriesIdle))

        let sender = SoakSender(port: dictator.port, connections: connections)
        defer { sender.close() }
        let queue = EncodedQueue(capacity: lead)
        let origin = Date().timeIntervalSince1970 + 1
        let encoder = Thread {
            for index in 0..<requests {
                let planned = origin + Double(index) * interval
                let flows = index * seriesPerRequest..<min(series, (index + 1) * seriesPerRequest)
                let request = WriteRequest(timeseries: flows.map {
                    TimeSeries(name: "aeolus_tcp_retransmits_total", labels: Self.labels($0),
                               samples: [Sample(value: 1, timestampMilliseconds: Int64(planned * 1000))])
                })
                guard queue.push((try? RemoteWrite.encode(request)).map { ($0, flows.count) }) else { return }
            }
            queue.close()   // every request is queued: the sender ends when it has taken them
        }
        encoder.start()
        defer { queue.close() }

        // Sampling on a thread of its own, every few seconds.
        let url = dictator.url, pid = dictator.pid
        let sampler = SoakSampler(every: max(2, min(10, seconds / 60))) {
            let gauges = Self.scrape(url, http: http)
            return SoakCurve.Point(time: Date().timeIntervalSince1970 - origin, sent: sender.acknowledged,
                                   rss: FanoutBenchmark.ProcessStats(pid: pid).rss,
                                   tracked: gauges["aeolus_dictator_event_series"] ?? 0,
                                   evicted: gauges["aeolus_dictator_event_series_evicted_total"] ?? 0,
                                   expired: gauges["aeolus_dictator_event_series_expired_total"] ?? 0)
        }
        defer { sampler.stop() }

        // Sending, each request at its planned time (or as soon as a connection is free).
        var late = 0.0
        while Date().timeIntervalSince1970 < origin { Thread.sleep(forTimeInterval: 0.01) }
        var index = 0
        while let (body, count) = queue.pop() {
            let planned = origin + Double(index) * interval
            let wait = planned - Date().timeIntervalSince1970
            if wait > 0 { Thread.sleep(forTimeInterval: wait) } else { late = max(late, -wait) }
            sender.send(body, series: count)
            index += 1
            if !dictator.isRunning { throw BenchError("soak: the dictator stopped:\n\(dictator.log.suffix(2000))") }
        }
        guard index == requests else { throw BenchError("soak: encoding request \(index) failed") }
        sender.waitForAll()
        let sendSeconds = Date().timeIntervalSince1970 - origin
        if let failure = sender.firstFailure { throw BenchError("soak: remote write failed: \(failure)") }
        let achieved = Double(sender.acknowledged) / sendSeconds

        // One flow above the threshold: its reaction must start.
        let crossing = 61_000
        let fired = Date()
        try session.remoteWrite(node: Self.node, sport: crossing, value: Self.threshold * 2)
        var reaction: Reaction?
        try? FanoutBenchmark.waitUntil(timeout: 30, "") {
            reaction = Self.reactions(dictator.url, http: http).first { $0.parameters["sport"] == "\(crossing)" }
            return reaction != nil
        }
        let final = Self.scrape(dictator.url, http: http)
        let soak = sampler.stop()

        print(soak.render(sentLabel: "series sent", trackedLabel: "event series"))
        print(String(format: "send rate: achieved %.0f series/s, target %.0f series/s (most late %.2f s; encoder at most %d requests ahead)",
                     achieved, Double(series) / seconds, late, lead))
        print(String(format: "bounds: event series %.0f (peak %.0f) of --max-event-series %d; evicted %.0f, expired %.0f (--event-series-idle %d s)",
                     final["aeolus_dictator_event_series"] ?? 0, soak.points.map(\.tracked).max() ?? 0, maxEventSeries,
                     final["aeolus_dictator_event_series_evicted_total"] ?? 0, final["aeolus_dictator_event_series_expired_total"] ?? 0,
                     eventSeriesIdle))
        print(soak.verdict)
        let reactionNote = reaction.map { "reaction \($0.id) \($0.outcome.rawValue) after \(sender.acknowledged) flows" }
            ?? "NO reaction for the crossing flow within 30 s"
        print("crossing flow (sport \(crossing), value \(Self.threshold * 2) above \(Self.threshold)): \(reactionNote)")

        let peak = soak.points.map(\.rss).max() ?? 0
        var results = [
            BenchmarkResult(name: "soak dictator: RSS growth over the second half", aeolus: soak.secondHalfGrowth * 100,
                            peer: SoakCurve.flatFraction * 100, peerName: "flat: below", unit: "%", target: 1,
                            note: String(format: "%d flows in %.0f s; RSS mid %.0f MiB, end %.0f MiB, peak %.0f MiB",
                                         sender.acknowledged, sendSeconds, soak.midRSS, soak.points.last?.rss ?? 0, peak)),
            BenchmarkResult(name: "soak dictator: event series held", aeolus: soak.points.map(\.tracked).max() ?? 0,
                            peer: Double(maxEventSeries), peerName: "--max-event-series", unit: "series", target: 1,
                            note: String(format: "evicted %.0f, expired %.0f", final["aeolus_dictator_event_series_evicted_total"] ?? 0,
                                         final["aeolus_dictator_event_series_expired_total"] ?? 0)),
            BenchmarkResult(name: "soak dictator: send rate", aeolus: achieved, peer: Double(series) / seconds,
                            peerName: "target rate", unit: "series/s", note: "\(connections) keep-alive connections"),
        ]
        if let reaction {
            results.append(BenchmarkResult(name: "soak dictator: crossing flow → reaction started",
                                           aeolus: reaction.started.timeIntervalSince(fired) * 1000, peer: 1000,
                                           peerName: "push target", unit: "ms", note: reaction.outcome.rawValue))
        } else {
            results.append(BenchmarkResult(name: "soak dictator: crossing flow → reaction started", aeolus: .infinity, peer: 1000,
                                           peerName: "push target", unit: "ms", target: 1, note: "no reaction within 30 s"))
        }
        return results
    }

    /// The dictator's own metrics without labels (and the sums of labelled ones), by name.
    static func scrape(_ url: String, http: HTTPClient) -> [String: Double] {
        guard let response = try? http.sendBlocking(HTTPRequest(url: url + "/metrics", timeout: .seconds(5))), response.status == 200,
              let page = try? PrometheusTextParser.parse(response.text, defaultTimestamp: 0) else { return [:] }
        return page.points.reduce(into: [:]) { $0[$1.name, default: 0] += $1.value }
    }

    static func reactions(_ url: String, http: HTTPClient) -> [Reaction] {
        guard let response = try? http.sendBlocking(HTTPRequest(url: url + "/api/v1/status", timeout: .seconds(5))),
              response.status == 200,
              let status = try? NodeProbeState.makeDecoder().decode(DictatorStatus.self, from: Data(response.body)) else { return [] }
        return status.reactions
    }
}

/// Encoded requests handed from the encoding thread to the sending one; `push` waits while
/// `capacity` are ready, `pop` while none is. `close` ends both.
/// @unchecked Sendable: guarded by `condition`.
private final class EncodedQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [([UInt8], Int)?] = []
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Adds a request (nil: encoding failed, which ends the queue); false once closed.
    func push(_ item: ([UInt8], Int)?) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        if item == nil { closed = true }
        condition.broadcast()
        return true
    }

    /// The next request, or nil at the end (every request taken, or closed).
    func pop() -> ([UInt8], Int)? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty, let item = items.removeFirst() else { return nil }
        condition.broadcast()
        return item
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Remote-write requests sent on keep-alive connections of one event loop (the fanout
/// benchmark's `ConnectionPool`); counts what was acknowledged and keeps the first failure.
private final class SoakSender: Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let pool: ConnectionPool
    private let state = Mutex((inFlight: 0, acknowledged: 0, failure: String?.none))
    private let slots: DispatchSemaphore
    private let headers = RemoteWrite.requestHeaders.map { ($0.name, $0.value) }

    init(port: Int, connections: Int) {
        pool = ConnectionPool(eventLoop: group.next(), host: "127.0.0.1", port: port, token: FanoutBenchmark.Session.token,
                              limit: connections)
        slots = DispatchSemaphore(value: connections)
    }

    var acknowledged: Int { state.withLock { $0.acknowledged } }
    var firstFailure: String? { state.withLock { $0.failure } }

    /// Sends one request of `series` flows; waits first while every connection is busy.
    func send(_ body: [UInt8], series: Int) {
        slots.wait()
        state.withLock { $0.inFlight += 1 }
        let pool = pool, headers = headers
        pool.eventLoop.execute {
            pool.send(.POST, AgentAPI.remoteWrite, body: body, headers: headers).whenComplete { result in
                self.state.withLock { state in
                    state.inFlight -= 1
                    switch result {
                    case .success(let response) where (200..<300).contains(response.status): state.acknowledged += series
                    case .success(let response):
                        state.failure = state.failure ?? "HTTP \(response.status): \(String(buffer: response.body).prefix(200))"
                    case .failure(let error): state.failure = state.failure ?? "\(error)"
                    }
                }
                self.slots.signal()
            }
        }
    }

    /// Waits until every request sent has been answered.
    func waitForAll() {
        while state.withLock({ $0.inFlight }) > 0 { Thread.sleep(forTimeInterval: 0.005) }
    }

    func close() {
        try? pool.eventLoop.submit { self.pool.close() }.wait()
        try? group.syncShutdownGracefully()
    }
}
