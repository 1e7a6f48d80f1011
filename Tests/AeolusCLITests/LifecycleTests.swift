import AeolusTesting
import Foundation
import Testing

/// Start-up and shutdown of the daemons through the `aeolus` binary: what cannot be had at start
/// (a port, a token file, an environment variable) ends the component at once with an error
/// naming it; SIGTERM ends it within seconds whatever it is doing, with status 0.
@Suite struct LifecycleTests {
    static let root = AeolusBinary.repositoryRoot()

    /// Waits for `process` to exit (at most 20 s; SIGKILL then) and returns how it ended, its
    /// log and the seconds it took.
    private func ended(_ process: AeolusProcess, since start: ContinuousClock.Instant = .now) async -> (TerminationStatus?, String, Double) {
        let status = await process.exit(within: .seconds(20))
        let elapsed = ContinuousClock.now - start
        if status == nil { process.send(SIGKILL); _ = await process.exit(within: .seconds(5)) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (status, process.log, seconds)
    }

    /// A bare repository holding the example's `aeolus.yaml`, as a file:// URL.
    private func repository(in temp: TemporaryDirectory) async throws -> String {
        let settings = try String(contentsOfFile: Self.root + "/config-repo-example/aeolus.yaml", encoding: .utf8)
        try await Git.makeBareRepository(at: temp.path("config.git"), files: ["aeolus.yaml": settings])
        return "file://" + temp.path("config.git")
    }

    @Test func dictatorOnATakenPortExitsAtOnceNamingTheAddress() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-lifecycle")
        let taken = try TakenPort()
        let dictator = try DictatorProcess(arguments: ["--repo", try await repository(in: temp), "--workdir", temp.path("workdir")],
                                           port: taken.port, logFile: temp.path("dictator.log"))
        let (status, log, seconds) = await ended(dictator)
        print("dictator on a taken port: \(status.map { "\($0)" } ?? "still running") after \(seconds) s")
        #expect(status != nil && status != .exited(0))
        #expect(log.contains("cannot listen on 127.0.0.1:\(taken.port)"), "\(log)")
        #expect(!log.contains("reconciled"), "\(log)")
    }

    @Test func dictatorWithAnUnreadableTokenFileExitsNamingIt() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-lifecycle")
        let missing = temp.path("no-such-token")
        let output = try await AeolusBinary.run(["dictator", "--repo", try await repository(in: temp), "--workdir", temp.path("workdir"),
                                                 "--listen", "127.0.0.1:0", "--token-file", missing])
        #expect(output.status != 0)
        #expect(output.standardError.contains(missing), "\(output.standardError)")
    }

    @Test(.enabled(if: getuid() == 0, "the agent needs root and bpffs"))
    func agentOnATakenPortExitsAtOnceNamingTheAddress() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-lifecycle")
        let taken = try TakenPort()
        let agent = try AeolusProcess(arguments: ["agent", "--node", "lifecycle-taken", "--dictator", "http://127.0.0.1:9",
                                                  "--state-dir", temp.path("state"),
                                                  "--listen", taken.address],
                                      logFile: temp.path("agent.log"))
        let (status, log, seconds) = await ended(agent)
        print("agent on a taken port: \(status.map { "\($0)" } ?? "still running") after \(seconds) s")
        #expect(status != nil && status != .exited(0))
        #expect(log.contains("cannot listen on \(taken.address)"), "\(log)")
    }

    @Test func agentWithAnUnreadableTokenFileExitsNamingIt() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-lifecycle")
        let missing = temp.path("no-such-token")
        let output = try await AeolusBinary.run(["agent", "--node", "lifecycle-token", "--dictator", "http://127.0.0.1:9",
                                                 "--state-dir", temp.path("state"), "--listen", "none", "--token-file", missing])
        #expect(output.status != 0)
        #expect(output.standardError.contains(missing), "\(output.standardError)")
    }

    @Test(.enabled(if: getuid() == 0, "the agent needs root and bpffs"))
    func agentStopsOnSIGTERMWhileTheDictatorCannotBeReached() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-lifecycle")
        let closed = try TakenPort().port  // closed again at once: nothing listens there
        let agent = try AeolusProcess(arguments: ["agent", "--node", "lifecycle-retry", "--dictator", "http://127.0.0.1:\(closed)",
                                                  "--state-dir", temp.path("state"),
                                                  "--listen", "127.0.0.1:0"],
                                      logFile: temp.path("agent.log"))
        try await Task.sleep(for: .seconds(2))
        #expect(agent.isRunning, "\(agent.log)")
        let start = ContinuousClock.now
        agent.send(SIGTERM)
        let (status, log, seconds) = await ended(agent, since: start)
        print("agent retrying an unreachable dictator: SIGTERM → \(status.map { "\($0)" } ?? "still running") in \(seconds) s")
        #expect(status == .exited(0), "\(log)")
        #expect(log.contains("stopping"), "\(log)")
    }

    /// A collector config: a `prometheus` receiver scraping `target` every 100 ms (a closed port
    /// yields its `up` series all the same), then `exporters`.
    private func collectorConfig(target: String, exporters: String, telemetry: String = "127.0.0.1:0") -> String {
        """
        receivers:
          prometheus:
            config:
              scrape_configs:
                - job_name: lifecycle
                  scrape_interval: 100ms
                  scrape_timeout: 100ms
                  static_configs: [{targets: ["\(target)"]}]
        exporters:
        \(exporters)
        service:
          telemetry: {metrics: {address: \(telemetry)}}
          pipelines:
            metrics: {receivers: [prometheus], exporters: [\(exporters.split(separator: ":").first!.trimmingCharacters(in: .whitespaces))]}
        """
    }

    @Test func collectorOnATakenPortExitsAtOnceNamingTheAddress() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-lifecycle")
        let taken = try TakenPort()
        let config = temp.path("collector.yaml")
        try collectorConfig(target: "127.0.0.1:9", exporters: "  debug: {}", telemetry: taken.address)
            .write(toFile: config, atomically: true, encoding: .utf8)
        let collector = try AeolusProcess(arguments: ["collector", "--config", config], logFile: temp.path("collector.log"))
        let (status, log, seconds) = await ended(collector)
        print("collector on a taken port: \(status.map { "\($0)" } ?? "still running") after \(seconds) s")
        #expect(status != nil && status != .exited(0))
        #expect(log.contains("cannot listen on \(taken.address)"), "\(log)")
    }

    @Test func collectorWithAnUnsetVariableExitsNamingItAndTheFile() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-lifecycle")
        let config = temp.path("collector.yaml")
        let exporter = """
              prometheusremotewrite:
                endpoint: http://127.0.0.1:9/api/v1/write
                bearer_token: ${env:AEOLUS_LIFECYCLE_UNSET_TOKEN}
            """
        try collectorConfig(target: "127.0.0.1:9", exporters: exporter).write(toFile: config, atomically: true, encoding: .utf8)
        let output = try await AeolusBinary.run(["collector", "--config", config])
        #expect(output.status != 0)
        #expect(output.standardError.contains("AEOLUS_LIFECYCLE_UNSET_TOKEN"), "\(output.standardError)")
        #expect(output.standardError.contains(config), "\(output.standardError)")
    }

    @Test func collectorLogsAnExporterFailureOnceAndStopsOnSIGTERMReportingWhatItDropped() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-lifecycle")
        let closed = try TakenPort().port  // closed again at once: nothing listens there
        let config = temp.path("collector.yaml")
        let exporter = """
              prometheusremotewrite:
                endpoint: http://127.0.0.1:\(closed)/api/v1/write
                failure_log_interval: 1h
                retry_on_failure: {initial_interval: 50ms, max_interval: 200ms}
            """
        try collectorConfig(target: "127.0.0.1:\(closed)", exporters: exporter).write(toFile: config, atomically: true, encoding: .utf8)
        let collector = try AeolusProcess(arguments: ["collector", "--config", config], logFile: temp.path("collector.log"))
        try await Task.sleep(for: .seconds(3))
        #expect(collector.isRunning, "\(collector.log)")
        let start = ContinuousClock.now
        collector.send(SIGTERM)
        let (status, log, seconds) = await ended(collector, since: start)
        let failures = log.split(separator: "\n").filter { $0.contains("remote write cannot deliver") }
        let report = log.split(separator: "\n").first { $0.contains("remote write stopped") } ?? "none"
        print("collector exporting to a closed port: \(failures.count) failure line(s) in 3 s; SIGTERM → "
              + "\(status.map { "\($0)" } ?? "still running") in \(seconds) s; \(report)")
        #expect(status == .exited(0), "\(log)")
        #expect(failures.count == 1, "\(log)")
        #expect(report.contains("dropped_points="), "\(log)")
        #expect(report.contains("flushed_points="), "\(log)")
    }
}
