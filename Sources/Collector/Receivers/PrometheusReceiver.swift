import CurlKit
import Foundation
import Logging

/// The `prometheus` receiver's configuration, shaped like the OpenTelemetry Collector's: a
/// Prometheus `scrape_configs` list under `config`.
///
/// ```yaml
/// receivers:
///   prometheus:
///     config:
///       scrape_configs:
///         - job_name: node
///           scrape_interval: 15s
///           scrape_timeout: 5s
///           metrics_path: /metrics
///           static_configs:
///             - targets: ["127.0.0.1:9100"]
///               labels: {zone: a}
/// ```
public struct PrometheusReceiverConfig: ComponentConfig {
    /// The jobs to scrape.
    public var scrapeConfigs: [ScrapeConfig] = []

    public init() {}
    public static let fieldNames = ["config"]

    public mutating func decode(_ fields: ConfigFields) {
        guard let config = fields["config"]?.fields(known: ["scrape_configs"]) else { return }
        guard let jobs = config["scrape_configs"]?.list() else { return }
        scrapeConfigs = jobs.compactMap(ScrapeConfig.read)
        var names: Set<String> = []
        for (job, node) in zip(scrapeConfigs, jobs) where !names.insert(job.jobName).inserted {
            node.report("job_name \"\(job.jobName)\" is used twice")
        }
    }

    public func validate() -> [(field: String, message: String)] {
        scrapeConfigs.isEmpty ? [("config", "needs scrape_configs with at least one job")] : []
    }
}

/// One scrape job: where and how often to scrape, and the labels its targets add.
public struct ScrapeConfig: Sendable, Equatable {
    /// The `job` label of its series.
    public var jobName = ""
    /// How often each target is scraped.
    public var scrapeInterval: Duration = .seconds(60)
    /// How long one scrape may take (at most the interval).
    public var scrapeTimeout: Duration = .seconds(10)
    /// The path of the targets' metrics page.
    public var metricsPath = "/metrics"
    /// `http` or `https`.
    public var scheme = "http"
    /// The targets (`host:port`) and their extra labels.
    public var staticConfigs: [StaticConfig] = []

    /// A group of targets sharing labels.
    public struct StaticConfig: Sendable, Equatable {
        /// `host:port` of each target; its `instance` label.
        public var targets: [String] = []
        /// Labels added to every series of these targets.
        public var labels: [String: String] = [:]
    }

    static let fieldNames = ["job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "static_configs"]

    /// Reads one `scrape_configs` entry, reporting problems at their line; nil when invalid.
    static func read(_ node: ConfigNode) -> ScrapeConfig? {
        let before = node.issues.errors.count
        guard let fields = node.fields(known: fieldNames) else { return nil }
        var job = ScrapeConfig()
        fields.read("job_name", into: &job.jobName) { $0.string() }
        fields.read("scrape_interval", into: &job.scrapeInterval) { $0.duration() }
        var timeout: Duration?
        fields.read("scrape_timeout", into: &timeout) { $0.duration() }
        fields.read("metrics_path", into: &job.metricsPath) { $0.string() }
        fields.read("scheme", into: &job.scheme) { $0.choice(["http", "https"]) }
        if let groups = fields["static_configs"]?.list() {
            job.staticConfigs = groups.compactMap(readStaticConfig)
        }
        if job.jobName.isEmpty { fields.report("job_name", "missing required field \"job_name\"") }
        if job.scrapeInterval < .milliseconds(100) { fields.report("scrape_interval", "must be at least 100ms") }
        // As Prometheus: the timeout defaults to 10s, or the interval when that is shorter.
        job.scrapeTimeout = timeout ?? min(job.scrapeTimeout, job.scrapeInterval)
        if job.scrapeTimeout > job.scrapeInterval { fields.report("scrape_timeout", "must not be longer than scrape_interval") }
        if job.scrapeTimeout <= .zero { fields.report("scrape_timeout", "must be positive") }
        if !job.metricsPath.hasPrefix("/") { fields.report("metrics_path", "must start with /") }
        if job.staticConfigs.allSatisfy(\.targets.isEmpty) { fields.report("static_configs", "needs at least one target") }
        return node.issues.errors.count == before ? job : nil
    }

    private static func readStaticConfig(_ node: ConfigNode) -> StaticConfig? {
        guard let fields = node.fields(known: ["targets", "labels"]) else { return nil }
        var group = StaticConfig()
        if let targets = fields["targets"]?.list() {
            for target in targets {
                guard let text = target.string() else { continue }
                if HTTPEndpoint.split(text) == nil { target.report("expected host:port, found \"\(text)\"") } else { group.targets.append(text) }
            }
        }
        fields.read("labels", into: &group.labels) { $0.stringMap() }
        for name in group.labels.keys.sorted() where !PrometheusTextParser.isLabelName(name) || name.hasPrefix("__") {
            fields.report("labels", "\"\(name)\" is not a valid label name")
        }
        return group
    }
}

/// Makes `prometheus` receivers.
public struct PrometheusReceiverFactory: ReceiverFactory {
    public init() {}
    public var type: String { "prometheus" }
    public func create(config: PrometheusReceiverConfig, context: ComponentContext, next: any Consumer) throws -> any Receiver {
        PrometheusReceiver(config: config, context: context, next: next)
    }
}

/// Scrapes every target of its jobs on the job's interval, as Prometheus does: the page is
/// parsed from the text format, each series gets the target's `job`, `instance` and static
/// labels (a scraped label of the same name is kept as `exported_<name>`), and each scrape adds
/// `up`, `scrape_duration_seconds` and `scrape_samples_scraped` for the target.
public final class PrometheusReceiver: Receiver {
    private let timers: [PeriodicTask]

    init(config: PrometheusReceiverConfig, context: ComponentContext, next: any Consumer) {
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: "text/plain;version=0.0.4;q=1,*/*;q=0.1")
        headers.add(name: "User-Agent", value: "aeolus-collector")
        let client = HTTPClient(defaultHeaders: headers)
        var timers: [PeriodicTask] = []
        for job in config.scrapeConfigs {
            for group in job.staticConfigs {
                for target in group.targets {
                    let scraper = TargetScraper(job: job, target: target, labels: group.labels, client: client)
                    timers.append(PeriodicTask(interval: job.scrapeInterval) {
                        await context.handOn(await scraper.scrape(logger: context.logger), to: next)
                    })
                }
            }
        }
        self.timers = timers
    }

    public func start() async throws {
        for timer in timers { timer.start() }
    }

    public func shutdown() async throws {
        for timer in timers { await timer.stop() }
    }
}

/// Scrapes one target; warns when the target goes down (not at every failed scrape).
///
/// `@unchecked Sendable`: `wasUp` is guarded by `lock`; the rest is immutable.
final class TargetScraper: @unchecked Sendable {
    let url: String
    let timeout: Duration
    /// `job`, `instance` and the static labels, sorted.
    let targetLabels: [MetricLabel]
    let client: HTTPClient
    private let lock = NSLock()
    private var wasUp = true

    init(job: ScrapeConfig, target: String, labels: [String: String], client: HTTPClient) {
        url = "\(job.scheme)://\(target)\(job.metricsPath)"
        timeout = job.scrapeTimeout
        var all = labels
        all["job"] = job.jobName
        all["instance"] = target
        targetLabels = all.map { MetricLabel($0.key, $0.value) }.sorted()
        self.client = client
    }

    /// One scrape: the target's series and its `up`, `scrape_duration_seconds` and
    /// `scrape_samples_scraped` (`up` 0 when the target cannot be reached, answers other than
    /// 200, or serves a page that does not parse).
    func scrape(logger: Logger) async -> MetricBatch {
        let started = ContinuousClock.now, timestamp = MetricPoint.now()
        var page = PrometheusTextParser.Page(points: [], help: [:])
        var up = false
        var failure: String?
        do {
            var headers = HTTPHeaders()
            headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: String(format: "%.3f", Self.seconds(timeout)))
            let response = try await client.send(HTTPRequest(method: .get, url: url, headers: headers, timeout: timeout,
                                                             connectTimeout: timeout), maxBodyBytes: 64 << 20)
            if response.status == 200 {
                page = try PrometheusTextParser.parse(response.text, defaultTimestamp: timestamp)
                up = true
            } else {
                failure = "answered HTTP \(response.status)"
            }
        } catch {
            failure = "failed: \(error)"
        }
        let wentDown = lock.withLock { () -> Bool in defer { wasUp = up }; return wasUp && !up }
        if let failure { logger.log(level: wentDown ? .warning : .debug, "scrape of \(url) \(failure)") }
        var points = page.points.map(withTargetLabels)
        let duration = Self.seconds(ContinuousClock.now - started)
        for (name, value) in [("up", up ? 1 : 0), ("scrape_duration_seconds", duration), ("scrape_samples_scraped", Double(page.points.count))] {
            points.append(MetricPoint(name: name, labels: targetLabels, value: value, kind: .gauge, timestamp: timestamp, sorted: true))
        }
        return MetricBatch(points: points, help: page.help)
    }

    /// `point` with the target's labels; a scraped label they replace is kept as `exported_<name>`.
    func withTargetLabels(_ point: MetricPoint) -> MetricPoint {
        var point = point
        for label in targetLabels {
            if let scraped = point.removeLabel(label.name) { point.setLabel("exported_" + label.name, scraped) }
            point.setLabel(label.name, label.value)
        }
        return point
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
