import Foundation
import ProcessKit

extension Demo {
    /// The `aeolus` binary running this demo (the components run as its subcommands).
    static var aeolusBinary: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Builds the cluster, the repository and the processes; returns where they are.
    func setUp(services: DemoServices, traffic: inout Traffic?) throws -> World {
        let workdir = options.workdir
        timeline.log(.step, "creating the cluster: one node, four pods on bridge \(DemoCluster.bridge) (198.18.0.0/24)")
        try cluster.setUp()
        for pod in cluster.pods {
            let labels = pod.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            timeline.log(.detail, "  pod \(pod.name.padding(toLength: 7, withPad: " ", startingAt: 0)) \(pod.address.padding(toLength: 12, withPad: " ", startingAt: 0)) netns \(pod.netns)  {\(labels)}")
        }
        try cluster.podsFile().write(toFile: workdir + "/pods.json", atomically: true, encoding: .utf8)
        let flows = try Traffic(directory: workdir)
        try flows.start(cluster: cluster)
        traffic = flows
        timeline.log(.ok, "traffic: client → web-1:\(Traffic.streamPort) (a long TCP stream), client → web-2:\(Traffic.requestPort) (requests), client → dns:53 (UDP queries)")

        // The config repository: a bare repository behind git daemon, seeded from the example.
        let bare = workdir + "/git/config.git", work = workdir + "/work"
        try Shell.run(["git", "init", "-q", "--bare", "-b", "main", bare])
        try Shell.run(["cp", "-r", options.configRepository, work])
        try? FileManager.default.removeItem(atPath: work + "/.git")
        try FileManager.default.moveItem(atPath: work + "/policies/pod-traffic.yaml", toPath: workdir + "/pod-traffic.yaml")
        let graph = work + "/graph.yaml"
        let shortened = try String(contentsOfFile: graph, encoding: .utf8)
            .replacingOccurrences(of: "ttl: 2m", with: "ttl: \(Self.ttl)s").replacingOccurrences(of: "cooldown: 1m", with: "cooldown: 20s")
        try shortened.write(toFile: graph, atomically: true, encoding: .utf8)
        try git(work, ["init", "-q", "-b", "main"])
        try git(work, ["add", "-A"])
        try git(work, ["commit", "-q", "-m", "Seed from config-repo-example (demo: reaction TTLs of \(Self.ttl)s)"])
        let gitPort = try DemoServices.freePort()
        try services.start("git-daemon", "/usr/lib/git-core/git-daemon", [
            "--reuseaddr", "--base-path=\(workdir)/git", "--export-all", "--enable=receive-pack",
            "--listen=127.0.0.1", "--port=\(gitPort)", "\(workdir)/git"])
        let gitURL = "git://127.0.0.1:\(gitPort)/config.git"
        try waitForPort(gitPort, "git daemon")
        try git(work, ["remote", "add", "origin", gitURL])
        try git(work, ["push", "-q", "origin", "main"])
        timeline.log(.ok, "config repository \(gitURL) seeded: 8 templates, graph with 2 edges, 3 baseline policies")

        let token = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let tokenFile = workdir + "/token"
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let dictatorPort = try DemoServices.freePort(), agentPort = try DemoServices.freePort()
        let exporterPort = try DemoServices.freePort(), telemetryPort = try DemoServices.freePort()
        let prometheusPort = try DemoServices.freePort()
        let dictatorURL = "http://127.0.0.1:\(dictatorPort)"
        let aeolus = Self.aeolusBinary
        try services.start("dictator", aeolus, [
            "dictator", "--repo", gitURL, "--listen", "127.0.0.1:\(dictatorPort)", "--poll", "30s",
            "--status-interval", "1s", "--workdir", workdir + "/dictator", "--token-file", tokenFile])
        try services.start("agent", aeolus, [
            "agent", "--node", Self.node, "--dictator", dictatorURL, "--token-file", tokenFile, "--label", "role=demo",
            "--pods", workdir + "/pods.json", "--state-dir", workdir + "/agent", "--listen", "127.0.0.1:\(agentPort)"])
        let collectorConfig = workdir + "/collector.yaml"
        try Self.collectorConfig(stateDirectory: workdir + "/agent", exporterPort: exporterPort, telemetryPort: telemetryPort,
                                 dictatorURL: dictatorURL, token: token)
            .write(toFile: collectorConfig, atomically: true, encoding: .utf8)
        try services.start("collector", aeolus, ["collector", "--config", collectorConfig])
        let prometheusDirectory = workdir + "/prometheus"
        try FileManager.default.createDirectory(atPath: prometheusDirectory, withIntermediateDirectories: true)
        try Self.prometheusConfig(targets: [("aeolus-collector", exporterPort), ("aeolus-collector-self", telemetryPort),
                                            ("aeolus-agent", agentPort), ("aeolus-dictator", dictatorPort)])
            .write(toFile: prometheusDirectory + "/prometheus.yml", atomically: true, encoding: .utf8)
        try services.start("prometheus", "/usr/bin/prometheus", [
            "--config.file=\(prometheusDirectory)/prometheus.yml", "--storage.tsdb.path=\(prometheusDirectory)/data",
            "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn"])
        timeline.log(.ok, "started dictator \(dictatorURL), agent (node \(Self.node)), collector, Prometheus http://127.0.0.1:\(prometheusPort)")
        return World(gitURL: gitURL, bareRepository: bare, workTree: work, dictatorURL: dictatorURL,
                     prometheusURL: "http://127.0.0.1:\(prometheusPort)", token: token, tokenFile: tokenFile)
    }

    func git(_ directory: String, _ arguments: [String]) throws {
        try Shell.run(["git", "-C", directory, "-c", "user.name=Demo User", "-c", "user.email=demo@aeolus.invalid"] + arguments)
    }

    func waitForPort(_ port: Int, _ what: String) throws {
        let ready = timeline.wait("waiting for \(what)", timeout: 10) { () -> Bool? in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            return connected ? true : nil
        }
        if ready == nil { throw DemoError("\(what) did not start listening on 127.0.0.1:\(port)") }
    }

    /// Two pipelines from the same eBPF receiver: everything to the Prometheus endpoint, and the
    /// metrics the graph's edges watch to the dictator by remote write.
    static func collectorConfig(stateDirectory: String, exporterPort: Int, telemetryPort: Int, dictatorURL: String, token: String) -> String {
        """
        receivers:
          ebpf:
            state_dir: \(stateDirectory)
            interval: 1s
            node: \(node)
        processors:
          filter/events:
            include:
              metric_names: ["aeolus_tcp_retransmits_total", "aeolus_flow_srtt_seconds"]
          batch:
            timeout: 200ms
        exporters:
          prometheus:
            endpoint: 127.0.0.1:\(exporterPort)
          prometheusremotewrite/dictator:
            endpoint: \(dictatorURL)/api/v1/write
            bearer_token: \(token)
        service:
          telemetry:
            metrics:
              address: 127.0.0.1:\(telemetryPort)
          pipelines:
            metrics:
              receivers: [ebpf]
              exporters: [prometheus]
            metrics/events:
              receivers: [ebpf]
              processors: [filter/events, batch]
              exporters: [prometheusremotewrite/dictator]

        """
    }

    static func prometheusConfig(targets: [(String, Int)]) -> String {
        var text = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
        for (job, port) in targets {
            text += "  - job_name: \(job)\n    static_configs:\n      - targets: ['127.0.0.1:\(port)']\n"
        }
        return text
    }
}
