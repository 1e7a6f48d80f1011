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
    /// Labels added to every series that lacks them.
    public var externalLabels: [String: String] = [:]
    /// Series per request.
    public var maxSeriesPerRequest = 2000
    /// Requests waiting to be sent; when full, the oldest is dropped (and counted).
    public var queueSize = 1000
    /// Retries of 5xx, 429 and transport failures.
    public var retry = RetryPolicy()
    /// How long shutdown waits for the queue to drain.
    public var shutdownTimeout: Duration = .seconds(10)

    public init() {}
    public static let fieldNames = ["endpoint", "timeout", "headers", "bearer_token", "external_labels",
                                    "max_series_per_request", "sending_queue", "retry_on_failure", "shutdown_timeout"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("endpoint", into: &endpoint) { $0.string() }
        fields.read("timeout", into: &timeout) { $0.duration() }
        fields.read("headers", into: &headers) { $0.stringMap() }
        fields.read("bearer_token", into: &bearerToken) { $0.string() }
        fields.read("external_labels", into: &externalLabels) { $0.stringMap() }
        fields.read("max_series_per_request", into: &maxSeriesPerRequest) { $0.int(minimum: 1) }
        fields.read("retry_on_failure", into: &retry) { RetryPolicy.read($0) }
        fields.read("shutdown_timeout", into: &shutdownTimeout) { $0.duration() }
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
/// 5xx, 429 and transport failures are retried with capped exponential backoff (a 429 or 503
/// with `Retry-After` waits what it asks, up to the backoff's cap), other 4xx never.
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

    init(config: RemoteWriteExporterConfig, context: ComponentContext) {
        self.config = config
        self.context = context
        var headers = HTTPHeaders()
        for (name, value) in RemoteWrite.requestHeaders { headers.add(name: name, value: value) }
        headers.add(name: "User-Agent", value: "aeolus-collector")
        for (name, value) in config.headers.sorted(by: { $0.key < $1.key }) { headers.replace(name: name, value: value) }
        client = HTTPClient(bearerToken: config.bearerToken, defaultHeaders: headers)
        queue = DropOldestQueue(capacity: config.queueSize)
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
            context.telemetry.dropped(context.telemetryName, reason: "queue_full", dropped)
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
                    return
                case .reject:
                    context.telemetry.dropped(context.telemetryName, reason: "rejected", request.points)
                    context.telemetry.exportFailed(context.telemetryName)
                    context.logger.error("remote write rejected with HTTP \(response.status), not retried: \(response.text.prefix(300))")
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
            let delay = config.retry.delay(attempt: attempt, status: status, retryAfter: retryAfter)
            attempt += 1
            if !config.retry.enabled || Task.isCancelled || ContinuousClock.now - started + delay > config.retry.maxElapsed {
                context.telemetry.dropped(context.telemetryName, reason: "retries_exhausted", request.points)
                context.telemetry.exportFailed(context.telemetryName)
                context.logger.error("remote write failed after \(attempt) attempts, giving up: \(problem)")
                return
            }
            context.logger.debug("remote write failed (\(problem)); retry \(attempt) in \(delay)")
            try? await Task.sleep(for: delay)
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Waits for the queue to drain (at most `shutdown_timeout`), then stops the sender.
    public func shutdown() async throws {
        let deadline = ContinuousClock.now + config.shutdownTimeout
        wakeContinuation.yield()
        while lock.withLock({ !queue.isEmpty || sending }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let remaining = lock.withLock { () -> Int in
            var points = 0
            while let request = queue.popFirst() { points += request.points }
            return points
        }
        if remaining > 0 {
            context.telemetry.dropped(context.telemetryName, reason: "shutdown", remaining)
            context.logger.warning("shutdown: \(remaining) points still queued were dropped")
        }
        wakeContinuation.finish()
        let task = lock.withLock { sender }
        task?.cancel()
        await task?.value
    }
}
