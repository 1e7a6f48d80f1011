import AeolusModel
import AeolusTesting
import BPFKit
import Compiler
import CurlKit
import Dictator
import Foundation

/// The closed loop's latency, stage by stage, through the real components: a TCP flow from this
/// (the root) namespace into a test namespace that drops 30% of its data segments, the
/// node-wide tcp-retransmits probe, the collector (100 ms interval, threshold processor, remote
/// write), the dictator (the graph's edge fires on the flow's counter and binds a per-flow
/// flow-latency probe from its labels, already compiled) and the agent attaching it.
///
/// Time zero is the kernel's first retransmission of the flow, stamped by a tracepoint program of
/// the benchmark's own (`bpf_ktime_get_ns`, converted to wall-clock time). The stages come from
/// the reaction's timeline, which the dictator keeps with every reaction:
/// collect (kernel → the collector read the sample), export (→ the dictator received the remote
/// write), evaluate (→ the edge fired), plan (→ the follow-up was in the node's assignment),
/// dispatch (→ the agent received it), attach (→ the agent had loaded and attached it).
struct ReactionLatencyBenchmark: Benchmark {
    let name = "reaction"
    let repository: String?
    let rounds = 24

    func run() async throws -> [BenchmarkResult] {
        let example = try TestRunBenchmark.repositoryDirectory(repository)
        return try await onThread { try measure(example: example) }
    }

    private func measure(example: String) throws -> [BenchmarkResult] {
        guard FileManager.default.isExecutableFile(atPath: AeolusBinary.path) else {
            throw BenchError("the reaction benchmark runs \(AeolusBinary.path); build it first (make bench does)")
        }
        let stamp = try RetransmitStamp()
        defer { stamp.close() }
        let loop = try LoopSession(example: example)
        defer { loop.stop() }
        var timelines: [Timeline] = []
        for _ in 0..<rounds {
            timelines.append(try loop.round(stamp: stamp))
        }
        return Self.results(timelines)
    }

    /// One reaction's timeline, in seconds since the kernel's first retransmission.
    struct Timeline {
        var collect, export, evaluate, plan, dispatch, attach: Double
        var total: Double { collect + export + evaluate + plan + dispatch + attach }
    }

    static func results(_ timelines: [Timeline]) -> [BenchmarkResult] {
        let totals = timelines.map(\.total)
        let p50 = percentile(totals, 0.5) * 1000, p99 = percentile(totals, 0.99) * 1000
        var results = [
            BenchmarkResult(name: "reaction: kernel anomaly → follow-up attached, p50", aeolus: p50, peer: 300,
                            peerName: "target (p99)", unit: "ms",
                            note: "\(timelines.count) reactions; pull-based Prometheus rule + Alertmanager: tens of seconds"),
            BenchmarkResult(name: "reaction: kernel anomaly → follow-up attached, p99", aeolus: p99, peer: 300,
                            peerName: "target", unit: "ms", target: 1),
        ]
        let stages: [(String, KeyPath<Timeline, Double>)] = [
            ("collect (kernel → sample read, 100 ms interval)", \.collect), ("export (→ remote write received)", \.export),
            ("evaluate (→ edge fired)", \.evaluate), ("plan (→ in the node's assignment)", \.plan),
            ("dispatch (→ agent received it)", \.dispatch), ("attach (→ loaded and attached)", \.attach),
        ]
        for (stage, path) in stages {
            let values = timelines.map { $0[keyPath: path] }
            results.append(BenchmarkResult(
                name: "reaction stage \(stage), p50", aeolus: percentile(values, 0.5) * 1000, peer: p50,
                peerName: "whole reaction p50", unit: "ms",
                note: String(format: "p99 %.1f ms", percentile(values, 0.99) * 1000)))
        }
        return results
    }

    /// A tracepoint program of the benchmark's own: the time (`bpf_ktime_get_ns`) of each
    /// flow's first retransmission, by source port.
    final class RetransmitStamp {
        static let source = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        char LICENSE[] SEC("license") = "GPL";
        struct args { __u64 common; const void *skb; const void *sk; int state; __u16 sport; __u16 dport; };
        struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1024); __type(key, __u16); __type(value, __u64); } first SEC(".maps");
        SEC("tracepoint/tcp/tcp_retransmit_skb")
        int stamp(struct args *args) {
            __u64 now = bpf_ktime_get_ns();
            __u16 sport = args->sport;
            bpf_map_update_elem(&first, &sport, &now, BPF_NOEXIST);
            return 0;
        }
        """
        private let object: LoadedObject
        private let link: Link
        private let map: Map

        init() throws {
            let compiler = BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache())
            let request = CompileRequest(name: "stamp", sourcePath: "stamp.bpf.c", files: ["stamp.bpf.c": Array(Self.source.utf8)])
            object = try LoadedObject.load(try compiler.compile(request).spec)
            link = try object.program(named: "stamp").attachTracepoint(category: "tcp", name: "tcp_retransmit_skb")
            map = try object.map(named: "first")
        }

        /// When the kernel first retransmitted on source port `port` (wall-clock), if it has.
        func firstRetransmission(sourcePort port: UInt16) throws -> Date? {
            let key = withUnsafeBytes(of: port.littleEndian) { [UInt8]($0) }
            guard let value = try map.lookup(key), value.count == 8 else { return nil }
            let kernel = value.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            var monotonic = timespec()
            clock_gettime(CLOCK_MONOTONIC, &monotonic)
            let wall = Date()
            let now = UInt64(monotonic.tv_sec) * 1_000_000_000 + UInt64(monotonic.tv_nsec)
            return wall.addingTimeInterval(-Double(Int64(now) - Int64(kernel)) / 1e9)
        }

        func close() {
            try? link.detach()
            link.close()
            object.close()
        }
    }

    /// git daemon, the dictator, the agent and the collector, with a bench repository whose
    /// graph has one edge: a flow's retransmit counter above 0 → flow-latency for that flow.
    final class LoopSession {
        static let serverPort: UInt16 = 9400
        let directory: TemporaryDirectory
        let namespace: NetworkNamespace
        let server: NetworkNamespace.TCPServer
        let node = "bench-loop-\(getpid())"
        private let daemon: GitDaemon
        private let dictator: DictatorProcess
        private var processes: [AeolusProcess] = []
        private let http = HTTPClient(bearerToken: "bench-token")

        init(example: String) throws {
            directory = try TemporaryDirectory(prefix: "aeolus-bench-reaction")
            namespace = try NetworkNamespace()
            server = try namespace.startTCPServer(port: Self.serverPort)
            // Loss on the way in: 30% of the data segments (never the SYN) to the server's port.
            try namespace.exec(["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "\(Self.serverPort)", "!", "--syn",
                                "-m", "statistic", "--mode", "random", "--probability", "0.3", "-j", "DROP"])

            var files: [String: String] = [:]
            for path in ["include/aeolus.h", "templates/tcp-retransmits/template.yaml", "templates/tcp-retransmits/probe.bpf.c",
                         "templates/flow-latency/template.yaml", "templates/flow-latency/probe.bpf.c"] {
                files[path] = try String(contentsOfFile: example + "/" + path, encoding: .utf8)
            }
            files["aeolus.yaml"] = try String(contentsOfFile: example + "/aeolus.yaml", encoding: .utf8)
                .replacingOccurrences(of: "reactionsPerMinute: 30", with: "reactionsPerMinute: 600")
                .replacingOccurrences(of: "maxActiveReactions: 50", with: "maxActiveReactions: 200")
            files["graph.yaml"] = retransmitsToLatencyGraph(ttl: "20s", maxActive: 100)
            files["policies/retransmits.yaml"] = """
                apiVersion: aeolus.io/v1alpha1
                kind: ProbePolicy
                metadata: {name: retransmits, namespace: bench}
                spec:
                  template: tcp-retransmits
                  parameters: {dport: \(Self.serverPort)}

                """
            _ = try Git.makeBareRepositoryBlocking(at: directory.path("served/config.git"), files: files)
            daemon = try GitDaemon(baseDirectory: directory.path("served"))
            let token = directory.path("token")
            try "bench-token\n".write(toFile: token, atomically: true, encoding: .utf8)
            dictator = try DictatorProcess(arguments: ["--repo", daemon.url("config.git"), "--poll", "30s",
                                                       "--workdir", directory.path("dictator"), "--status-interval", "1s",
                                                       "--token-file", token, "--log-level", "warning"],
                                           logFile: directory.path("dictator.log"))
            try "[]".write(toFile: directory.path("pods.json"), atomically: true, encoding: .utf8)
            try spawn(["agent", "--node", node, "--dictator", dictator.url, "--token-file", token, "--pods", directory.path("pods.json"),
                       "--state-dir", directory.path("agent"), "--listen", "none", "--interval", "1"], log: "agent.log")
            try """
                receivers:
                  ebpf:
                    state_dir: \(directory.path("agent"))
                    interval: 100ms
                    node: \(node)
                processors:
                  threshold/events:
                    metrics: [aeolus_tcp_retransmits_total]
                    above: 0
                exporters:
                  prometheusremotewrite/dictator:
                    endpoint: \(dictator.url)/api/v1/write
                    bearer_token: bench-token
                service:
                  telemetry:
                    metrics:
                      address: 127.0.0.1:\(try PrometheusServer.freePort())
                  pipelines:
                    metrics/events:
                      receivers: [ebpf]
                      processors: [threshold/events]
                      exporters: [prometheusremotewrite/dictator]

                """.write(toFile: directory.path("collector.yaml"), atomically: true, encoding: .utf8)
            try spawn(["collector", "--config", directory.path("collector.yaml")], log: "collector.log")
            try waitUntil(timeout: 120, "the tcp-retransmits probe live on the agent") {
                self.agentState()?.probes.contains { $0.template == "tcp-retransmits" && $0.state == .live } == true
            }
        }

        /// One reaction: a new flow into the lossy namespace, until its follow-up is attached.
        func round(stamp: RetransmitStamp) throws -> Timeline {
            let client = try namespace.makeTCPClient()
            try client.connect(to: namespace.address, port: Self.serverPort)
            let sending = Thread {
                while !Thread.current.isCancelled, (try? client.send(count: 16384)) != nil {}
            }
            sending.start()
            defer {
                sending.cancel()
                client.close(reset: true)
            }
            var zero: Date?
            try waitUntil(timeout: 30, "a retransmission on port \(client.port)") {
                zero = try? stamp.firstRetransmission(sourcePort: client.port)
                return zero != nil
            }
            var reaction: Reaction?
            try waitUntil(timeout: 30, "the follow-up probe of port \(client.port) attached") {
                reaction = self.reactions().first { $0.parameters["sport"] == "\(client.port)" }
                return reaction?.probes.first?.attached != nil
            }
            guard let zero, let reaction, let received = reaction.received, let planned = reaction.planned,
                  let probe = reaction.probes.first, let agentReceived = probe.received, let attached = probe.attached else {
                throw BenchError("reaction: the timeline of port \(client.port) is incomplete")
            }
            return Timeline(collect: reaction.trigger.time.timeIntervalSince(zero),
                            export: received.timeIntervalSince(reaction.trigger.time),
                            evaluate: reaction.started.timeIntervalSince(received),
                            plan: planned.timeIntervalSince(reaction.started),
                            dispatch: agentReceived.timeIntervalSince(planned),
                            attach: attached.timeIntervalSince(agentReceived))
        }

        private func reactions() -> [Reaction] {
            guard let response = try? http.sendBlocking(HTTPRequest(url: dictator.url + "/api/v1/status", timeout: .seconds(5))),
                  response.status == 200,
                  let status = try? NodeProbeState.makeDecoder().decode(DictatorStatus.self, from: Data(response.body)) else { return [] }
            return status.reactions
        }

        private func agentState() -> NodeProbeState? {
            FileManager.default.contents(atPath: directory.path("agent") + "/" + NodeProbeState.fileName).flatMap { try? NodeProbeState.decode($0) }
        }

        private func waitUntil(timeout: TimeInterval, _ what: String, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while try !condition() {
                guard Date() < deadline else {
                    let logs = ["dictator.log", "agent.log", "collector.log"].map { name in
                        let text = (try? String(contentsOfFile: directory.path(name), encoding: .utf8)) ?? ""
                        return "--- \(name)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
                    }
                    throw BenchError("reaction: no \(what) after \(Int(timeout)) s\n" + logs.joined(separator: "\n"))
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }

        private func spawn(_ arguments: [String], log: String) throws {
            processes.append(try AeolusProcess(arguments: arguments, logFile: directory.path(log)))
        }

        /// Stops the collector and the agent (its probes purged), the dictator, git daemon, the
        /// server and the namespace; removes the scratch folder.
        func stop() {
            for process in processes.reversed() { process.stop() }
            processes = []
            dictator.stop()
            daemon.stop()
            server.close()
            namespace.close()
            _ = try? Subprocess.collect("/bin/rm", ["-rf", "/sys/fs/bpf/aeolus/\(node)"])
            rmdir("/sys/fs/bpf/aeolus")
            directory.remove()
        }
    }
}
