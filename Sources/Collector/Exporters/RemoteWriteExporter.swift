import AeolusModel
import CurlKit
import Foundation
import Logging
import RemoteWrite

/// The `prometheusremotewrite` exporter's configuration.
public struct RemoteWriteExporterConfig: ComponentConfig {
    /// The receiver's URL, e.g. `http://dictator:8080/api/v1/write`.
    public var endpoint = ""
    /// The limit for one request.
    public var timeout: Duration = .seconds(10)
    /// Extra request headers.
    public var headers: [String: String] = [:]
    /// A bearer token for `Authorization`.
    public var bearerToken: String?
    /// How an `https://` endpoint's certificate is checked, and the client certificate (`tls:`).
    public var tls = TLSOptions()
    /// Labels added to every series that lacks them.
    public var externalLabels: [String: String] = [:]
    /// Series per request.
    public var maxSeriesPerRequest = 2000
    /// Requests waiting to be sent; when full, the oldest is dropped (and counted).
    public var queueSize = 1000
    /// Retries of 5xx, 429 and transport failures.
    public var retry = RetryPolicy()
    /// How long shutdown waits for the queue to drain (what is left then is dropped and counted).
    public var shutdownTimeout: Duration = .seconds(1)
    /// The least time between two log lines about failed deliveries (the first is logged at once).
    public var failureLogInterval: Duration = .seconds(30)

    public init() {}
    public static let fieldNames = ["endpoint", "timeout", "headers", "bearer_token", "tls", "external_labels",
                                    "max_series_per_request", "sending_queue", "retry_on_failure", "shutdown_timeout",
                                    "failure_log_interval"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("endpoint", into: &endpoint) { $0.string() }
        fields.read("timeout", into: &timeout) { $0.duration() }
        fields.read("headers", into: &headers) { $0.stringMap() }
        fields.read("bearer_token", into: &bearerToken) { $0.string() }
        fields.read("tls", into: &tls) { ClientTLSConfig.read($0) }
        fields.read("external_labels", into: &externalLabels) { $0.stringMap() }
        fields.read("max_series_per_request", into: &maxSeriesPerRequest) { $0.int(minimum: 1) }
        fields.read("retry_on_failure", into: &retry) { RetryPolicy.read($0) }
        fields.read("shutdown_timeout", into: &shutdownTimeout) { $0.duration() }
        fields.read("failure_log_interval", into: &failureLogInterval) { $0.duration() }
        if let queue = fields["sending_queue"]?.fields(known: ["queue_size"]) {
            queue.read("queue_size", into: &queueSize) { $0.int(minimum: 1) }
        }
    }

    public func validate() -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if endpoint.isEmpty {
            problems.append(("endpoint", "missing required field \"endpoint\" (the remote-write URL)"))
        } else if !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) {
            problems.append(("endpoint", "must be an http:// or https:// URL, found \"\(endpoint)\""))
        }
        for name in externalLabels.keys where !RemoteWrite.isValidLabelName(name) {
            problems.append(("external_labels", "\"\(name)\" is not a valid label name"))
        }
        return problems
    }
}

/// Makes `prometheusremotewrite` exporters.
public struct RemoteWriteExporterFactory: ExporterFactory {
    public init() {}
    public var type: String { "prometheusremotewrite" }
    public func create(config: RemoteWriteExporterConfig, context: ComponentContext) throws -> any Exporter {
        RemoteWriteExporter(config: config, context: context)
    }
}

/// Sends batches with Prometheus remote write 1.0 (snappy-compressed protobuf, labels sorted,
/// the required headers). Requests wait in a bounded queue that drops the oldest when full;
/// 5xx, 429 and transport failures are retried on the shared jittered `Backoff` (a 429 or 503
/// with `Retry-After` waits what it asks, up to the backoff's cap), other 4xx never. Failures are
/// logged at the first and then at most once per `failure_log_interval`; shutdown flushes for at
/// most `shutdown_timeout` and logs how many points it flushed and dropped.
///
/// `@unchecked Sendable`: the queue and flags are guarded by `lock`.
public final class RemoteWriteExporter: Exporter, @unchecked Sendable {
    private struct Request {
        let body: [UInt8]
        let points: Int
    }

    private let config: RemoteWriteExporterConfig
    private let context: ComponentContext
    private let client: HTTPClient
    private let lock = NSLock()
    private var queue: DropOldestQueue<Request>
    private var sending = false
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    private var sender: Task<Void, Never>?
    private var failures: FailureLog
    /// Points delivered and dropped since start (for the shutdown report).
    private var deliveredPoints = 0, droppedPoints = 0
    /// Set by shutdown: retries that would end after it are not made.
    private var stopDeadline: ContinuousClock.Instant?

    init(config: RemoteWriteExporterConfig, context: ComponentContext) {
        self.config = config
        self.context = context
        var headers = HTTPHeaders()
        for (name, value) in RemoteWrite.requestHeaders { headers.add(name: name, value: value) }
        headers.add(name: "User-Agent", value: "aeolus-collector")
        for (name, value) in config.headers.sorted(by: { $0.key < $1.key }) { headers.replace(name: name, value: value) }
        client = HTTPClient(tls: config.tls, bearerToken: config.bearerToken, defaultHeaders: headers)
        queue = DropOldestQueue(capacity: config.queueSize)
        failures = FailureLog(interval: config.failureLogInterval)
        (wake, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The number of requests waiting.
    public var queueLength: Int { lock.withLock { queue.count } }

    /// The remote-write series of `points`: `__name__` plus the labels, external labels added, sorted.
    public static func timeSeries(_ points: ArraySlice<MetricPoint>, externalLabels: [String: String]) -> [TimeSeries] {
        points.map { point in
            var series = TimeSeries()
            var labels = [Label(name: RemoteWrite.metricNameLabel, value: point.name)]
            labels.reserveCapacity(point.labels.count + 1 + externalLabels.count)
            for label in point.labels where !label.value.isEmpty { labels.append(Label(name: label.name, value: label.value)) }
            for (name, value) in externalLabels where point.label(name) == nil { labels.append(Label(name: name, value: value)) }
            labels.sort { $0.name < $1.name }
            series.labels = labels
            series.samples = [Sample(value: point.value, timestampMilliseconds: point.timestamp)]
            return series
        }
    }

    public func consume(_ batch: MetricBatch) async throws {
        guard !batch.isEmpty else { return }
        var requests: [Request] = []
        for start in stride(from: 0, to: batch.points.count, by: config.maxSeriesPerRequest) {
            let slice = batch.points[start..<min(start + config.maxSeriesPerRequest, batch.points.count)]
            var request = WriteRequest()
            request.timeseries = Self.timeSeries(slice, externalLabels: config.externalLabels)
            requests.append(Request(body: try RemoteWrite.encode(request), points: slice.count))
        }
        let (dropped, length) = lock.withLock { () -> (Int, Int) in
            var dropped = 0
            for request in requests { dropped += queue.append(request).reduce(0) { $0 + $1.points } }
            return (dropped, queue.count)
        }
        context.telemetry.queueLength(context.telemetryName, length)
        if dropped > 0 {
            countDropped(reason: "queue_full", dropped)
            context.logger.warning("remote-write queue full: dropped the oldest \(dropped) points")
        }
        wakeContinuation.yield()
    }

    public func start() async throws {
        let task = Task { [self] in
            for await _ in wake {
                await drain()
            }
        }
        lock.withLock { sender = task }
        wakeContinuation.yield()
    }

    /// Sends queued requests until the queue is empty or the task is cancelled.
    private func drain() async {
        while !Task.isCancelled {
            guard let request = lock.withLock({ () -> Request? in
                let next = queue.popFirst()
                sending = next != nil
                return next
            }) else { return }
            context.telemetry.queueLength(context.telemetryName, queueLength)
            await send(request)
            lock.withLock { sending = false }
        }
    }

    /// Sends one request, retrying as the policy says.
    private func send(_ request: Request) async {
        let started = ContinuousClock.now
        var attempt = 0
        var backoff = config.retry.backoff()
        let http = HTTPRequest(method: .post, url: config.endpoint, body: request.body, timeout: config.timeout,
                               connectTimeout: min(config.timeout, .seconds(5)))
        while true {
            var problem: String
            var status: Int?, retryAfter: String?
            do {
                let response = try await client.send(http, maxBodyBytes: 1 << 20)
                switch RetryPolicy.outcome(status: response.status) {
                case .success:
                    context.telemetry.exported(context.telemetryName, request.points)
                    context.telemetry.exportLatency(context.telemetryName, seconds: Self.seconds(ContinuousClock.now - started))
                    let line = lock.withLock { () -> FailureLog.Line in
                        deliveredPoints += request.points
                        return failures.succeeded()
                    }
                    if case .recovered(let count) = line {
                        context.logger.notice("remote write delivers again after \(count) failed attempts", metadata: ["endpoint": "\(config.endpoint)"])
                    }
                    return
                case .reject:
                    countDropped(reason: "rejected", request.points)
                    context.telemetry.exportFailed(context.telemetryName)
                    logFailure("rejected with HTTP \(response.status), not retried: \(response.text.prefix(300))", dropped: request.points)
                    return
                case .retry:
                    problem = "HTTP \(response.status): \(response.text.prefix(200))"
                    status = response.status
                    retryAfter = response.headers["Retry-After"]
                }
            } catch is CancellationError {
                problem = "cancelled"
            } catch {
                problem = "\(error)"
            }
            let delay = config.retry.delay(after: &backoff, status: status, retryAfter: retryAfter)
            attempt += 1
            let now = ContinuousClock.now
            let stopping = lock.withLock { stopDeadline }
            if let stopping, Task.isCancelled || now + delay > stopping {
                countDropped(reason: "shutdown", request.points)
                return
            }
            if !config.retry.enabled || Task.isCancelled || now - started + delay > config.retry.maxElapsed {
                countDropped(reason: "retries_exhausted", request.points)
                context.telemetry.exportFailed(context.telemetryName)
                logFailure("\(problem); gave up after \(attempt) attempts", dropped: request.points)
                return
            }
            logFailure("\(problem); retrying (attempt \(attempt) in \(delay))", dropped: 0)
            context.logger.debug("remote write failed (\(problem)); retry \(attempt) in \(delay)")
            try? await Task.sleep(for: delay)
        }
    }

    /// Counts `points` dropped for `reason`, in the telemetry and for the shutdown report.
    private func countDropped(reason: String, _ points: Int) {
        context.telemetry.dropped(context.telemetryName, reason: reason, points)
        lock.withLock { droppedPoints += points }
    }

    /// Logs a failed delivery, at most once per `failure_log_interval`.
    private func logFailure(_ problem: String, dropped points: Int) {
        let line = lock.withLock { failures.failed(at: .now, dropped: points) }
        guard case .failing(let unreported, let dropped) = line else { return }
        var metadata: Logger.Metadata = ["endpoint": "\(config.endpoint)"]
        if unreported > 0 { metadata["unreported_failures"] = "\(unreported)" }
        if dropped > 0 { metadata["dropped_points"] = "\(dropped)" }
        context.logger.error("remote write cannot deliver: \(problem)", metadata: metadata)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Sends what is queued for at most `shutdown_timeout` (no retry past it), drops the rest,
    /// stops the sender and logs how many points it flushed and dropped.
    public func shutdown() async throws {
        let deadline = ContinuousClock.now + config.shutdownTimeout
        let (deliveredBefore, droppedBefore, queued) = lock.withLock { () -> (Int, Int, Int) in
            stopDeadline = deadline
            return (deliveredPoints, droppedPoints, queue.count)
        }
        wakeContinuation.yield()
        while lock.withLock({ !queue.isEmpty || sending }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        wakeContinuation.finish()
        let task = lock.withLock { sender }
        task?.cancel()
        await task?.value
        let remaining = lock.withLock { () -> Int in
            var points = 0
            while let request = queue.popFirst() { points += request.points }
            return points
        }
        if remaining > 0 { countDropped(reason: "shutdown", remaining) }
        let (flushed, lost) = lock.withLock { (deliveredPoints - deliveredBefore, droppedPoints - droppedBefore) }
        let metadata: Logger.Metadata = ["endpoint": "\(config.endpoint)", "queued_requests": "\(queued)",
                                         "flushed_points": "\(flushed)", "dropped_points": "\(lost)"]
        if lost > 0 {
            context.logger.warning("remote write stopped: \(lost) points not delivered within \(config.shutdownTimeout)", metadata: metadata)
        } else {
            context.logger.notice("remote write stopped", metadata: metadata)
        }
    }
}
