import AeolusTesting
@testable import Collector
import Foundation
import Testing
import Yams

@Suite("Prometheus scrape receiver")
struct PrometheusReceiverTests {
    /// A real Prometheus on 127.0.0.1 serves its own `/metrics`; the receiver scrapes it and a
    /// port nobody listens on: the series carry job, instance and the static labels, each kind
    /// is recognised, and `up` is 1 for the one and 0 for the other.
    @Test func scrapesARealPrometheusAndReportsUp() async throws {
        let prometheus = try await PrometheusServer.start()
        defer { prometheus.stop() }
        let live = "127.0.0.1:\(prometheus.port)", dead = "127.0.0.1:\(try PrometheusServer.freePort())"
        var job = ScrapeConfig()
        job.jobName = "prom"
        job.scrapeInterval = .milliseconds(300)
        job.scrapeTimeout = .milliseconds(300)
        job.staticConfigs = [.init(targets: [live, dead], labels: ["zone": "a"])]
        var config = PrometheusReceiverConfig()
        config.scrapeConfigs = [job]
        let sink = Sink()
        let receiver = PrometheusReceiver(config: config, context: testContext("prometheus"), next: sink)
        try await receiver.start()
        let deadline = ContinuousClock.now + .seconds(60)
        func up(_ instance: String) -> Double? {
            sink.points.last { $0.name == "up" && $0.label("instance") == instance }?.value
        }
        while ContinuousClock.now < deadline, up(live) != 1 || up(dead) == nil {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await receiver.shutdown()
        #expect(up(live) == 1)
        #expect(up(dead) == 0)
        let points = sink.points.filter { $0.label("instance") == live }
        let build = try #require(points.first { $0.name == "prometheus_build_info" })
        #expect(build.label("job") == "prom")
        #expect(build.label("zone") == "a")
        #expect(build.label("version")?.isEmpty == false)
        #expect(build.kind == .gauge)
        #expect(points.first { $0.name.hasPrefix("prometheus_http_requests_total") }?.kind == .counter)
        let bucket = try #require(points.first { $0.name == "prometheus_http_request_duration_seconds_bucket" })
        #expect(bucket.kind == .histogram)
        #expect(bucket.label("le") != nil)
        #expect(points.first { $0.name == "go_gc_duration_seconds" && $0.label("quantile") != nil }?.kind == .summary)
        #expect((points.last { $0.name == "scrape_samples_scraped" }?.value ?? 0) > 100)
    }

    /// A scraped label that a target label replaces is kept as `exported_<name>`.
    @Test func targetLabelsWinAndScrapedOnesAreKeptAsExported() {
        var job = ScrapeConfig()
        job.jobName = "j"
        let scraper = TargetScraper(job: job, target: "127.0.0.1:1", labels: ["zone": "a"], client: .init())
        let relabelled = scraper.withTargetLabels(point("x", ["job": "inner", "instance": "i", "k": "v"], 1))
        #expect([relabelled].lines == ["x{exported_instance=i,exported_job=inner,instance=127.0.0.1:1,job=j,k=v,zone=a} 1"])
    }

    /// Reads a receiver config the way the collector does; the issues found beside it.
    static func read(_ yaml: String) throws -> (PrometheusReceiverConfig, [ConfigError]) {
        let issues = ConfigIssues(file: "scrape.yaml")
        let node = ConfigNode(node: try #require(try Yams.compose(yaml: yaml)), path: "receivers.prometheus", issues: issues)
        var config = PrometheusReceiverConfig()
        if let fields = node.fields(known: PrometheusReceiverConfig.fieldNames) { config.decode(fields) }
        return (config, issues.errors)
    }

    @Test func configReadsScrapeConfigs() throws {
        let (config, errors) = try Self.read("""
            config:
              scrape_configs:
                - job_name: node
                  scrape_interval: 5s
                  metrics_path: /stats
                  static_configs:
                    - targets: ["127.0.0.1:9100", "localhost:9101"]
                      labels: {zone: a}
                - job_name: fast
                  scrape_interval: 2s
                  scrape_timeout: 1s
                  scheme: https
                  static_configs: [{targets: ["127.0.0.1:9102"]}]
            """)
        #expect(errors.isEmpty, "\(errors)")
        #expect(config.scrapeConfigs.map(\.jobName) == ["node", "fast"])
        #expect(config.scrapeConfigs[0].scrapeTimeout == .seconds(5))   // the interval, being under 10s
        #expect(config.scrapeConfigs[0].metricsPath == "/stats")
        #expect(config.scrapeConfigs[0].staticConfigs == [.init(targets: ["127.0.0.1:9100", "localhost:9101"], labels: ["zone": "a"])])
        #expect(config.scrapeConfigs[1].scrapeTimeout == .seconds(1))
        #expect(config.scrapeConfigs[1].scheme == "https")
    }

    /// (yaml, line, fragment of the message).
    static let mistakes: [(String, Int, String)] = [
        ("config:\n  scrape_configs:\n    - job_name: a\n      scrape_intervall: 5s\n      static_configs: [{targets: [\"h:1\"]}]\n", 4,
         "unknown field \"scrape_intervall\""),
        ("config:\n  scrape_configs:\n    - job_name: a\n      static_configs:\n        - targets: [\"no-port\"]\n", 5, "expected host:port"),
        ("config:\n  scrape_configs:\n    - static_configs: [{targets: [\"h:1\"]}]\n", 3, "missing required field \"job_name\""),
        ("config:\n  scrape_configs:\n    - job_name: a\n      scrape_interval: 1s\n      scrape_timeout: 2s\n      static_configs: [{targets: [\"h:1\"]}]\n",
         5, "must not be longer than scrape_interval"),
        ("config:\n  scrape_configs:\n    - job_name: a\n      static_configs: [{targets: [\"h:1\"], labelz: {}}]\n", 4, "unknown field \"labelz\""),
        ("config:\n  scrape_configs:\n    - job_name: a\n      static_configs: [{targets: [\"h:1\"]}]\n    - job_name: a\n      static_configs: [{targets: [\"h:2\"]}]\n",
         5, "used twice"),
        ("config:\n  global: {}\n", 2, "unknown field \"global\""),
    ]

    @Test(arguments: mistakes)
    func mistakesAreErrorsWithLines(yaml: String, line: Int, message: String) throws {
        let (_, errors) = try Self.read(yaml)
        let match = errors.first { $0.description.contains(message) }
        #expect(match != nil, "\(errors)")
        #expect(match?.line == line, "\(errors)")
    }
}
