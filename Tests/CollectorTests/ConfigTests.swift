@testable import Collector
import Testing

@Suite("Collector config")
struct ConfigTests {
    static let valid = """
        receivers:
          ebpf:
            state_dir: /nonexistent-aeolus-state
            interval: 1s
        processors:
          batch: {timeout: 50ms}
          filter/events:
            include: {metric_names: ["aeolus_.*"]}
        exporters:
          debug:
          prometheus: {endpoint: "127.0.0.1:0"}
        service:
          telemetry: {metrics: {address: none}}
          pipelines:
            metrics:
              receivers: [ebpf]
              processors: [filter/events, batch]
              exporters: [debug, prometheus]
        """

    @Test func validConfigDecodes() throws {
        let config = try CollectorConfig.parse(yaml: Self.valid, file: "collector.yaml")
        #expect(config.pipelines.count == 1)
        #expect(config.pipelines[0].processors.map(\.description) == ["filter/events", "batch"])
        #expect(config.telemetryAddress == nil)
        #expect(config.components[.exporter]?.count == 2)
    }

    /// (yaml, expected "line: message fragment") for every kind of mistake.
    static let mistakes: [(String, String, Int)] = [
        ("receivers:\n  kafka: {}\nservice:\n  pipelines:\n    metrics: {receivers: [kafka], exporters: [debug]}\nexporters:\n  debug:\n",
         "unknown receiver type \"kafka\"", 2),
        ("exporters:\n  debug:\n    verbose: true\nreceivers:\n  ebpf:\nservice:\n  pipelines:\n    metrics: {receivers: [ebpf], exporters: [debug]}\n",
         "unknown field \"verbose\"", 3),
        ("exporters:\n  prometheusremotewrite:\n    timeout: 5s\nreceivers:\n  ebpf:\nservice:\n  pipelines:\n    metrics: {receivers: [ebpf], exporters: [prometheusremotewrite]}\n",
         "missing required field \"endpoint\"", 3),
        ("exporters:\n  debug:\nreceivers:\n  ebpf:\nservice:\n  pipelines:\n    metrics: {receivers: [ebpf], exporters: [debug, prometheus]}\n",
         "exporter \"prometheus\" is not configured", 7),
        ("exporters:\n  debug:\nreceivers:\n  ebpf:\n    interval: soon\nservice:\n  pipelines:\n    metrics: {receivers: [ebpf], exporters: [debug]}\n",
         "interval", 5),
        ("exporters:\n  debug:\nreceivers:\n  ebpf:\nservice:\n  pipelines:\n    traces: {receivers: [ebpf], exporters: [debug]}\n",
         "only metrics pipelines", 7),
        ("exporters:\n  debug:\nreceivers:\n  ebpf:\nprocessor:\n  batch:\nservice:\n  pipelines:\n    metrics: {receivers: [ebpf], exporters: [debug]}\n",
         "unknown field \"processor\"", 5),
    ]

    @Test(arguments: mistakes)
    func mistakesAreErrorsWithFileAndLine(yaml: String, message: String, line: Int) throws {
        let error = try #require(throws: ConfigErrors.self) { try CollectorConfig.parse(yaml: yaml, file: "bad.yaml") }
        let match = error.errors.first { $0.description.contains(message) }
        #expect(match != nil, "\(error)")
        #expect(match?.line == line, "\(error)")
        #expect(match?.description.hasPrefix("bad.yaml:\(line):") == true)
    }

    @Test func componentIDs() {
        #expect(ComponentID(parsing: "batch")?.description == "batch")
        #expect(ComponentID(parsing: "filter/events") == ComponentID(type: "filter", name: "events"))
        #expect(ComponentID(parsing: "/x") == nil)
        #expect(ComponentID(parsing: "a/") == nil)
        #expect(ComponentID(parsing: "a b") == nil)
    }

    @Test func pipelineStartsDownstreamFirstAndStopsUpstreamFirst() async throws {
        let config = try CollectorConfig.parse(yaml: Self.valid, file: "collector.yaml")
        let collector = try Collector(config: config, logger: testLogger())
        try await collector.start()
        await collector.shutdown()
        let expected = ["exporter debug", "exporter prometheus", "processor metrics:batch", "processor metrics:filter/events", "receiver ebpf"]
        #expect(await collector.startLog == expected)
        #expect(await collector.stopLog == expected.reversed())
    }
}
