import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import ProcessKit
import RemoteWrite
import ServiceKit

/// One dictator for thousands of nodes: the release `aeolus dictator` (a child process, its
/// repository behind `git daemon`) against a `SimulatedFleet` of N agents in this process.
///
/// For each N (1,000, 5,000 and 10,000; `AEOLUS_BENCH_FANOUT_AGENTS=1000,5000` picks others):
/// - registration storm: all N agents start at once, as after a dictator restart → every agent
///   holds an assignment (and has its watch open), with its objects fetched;
/// - one policy change by `git push` (the served repository's post-receive hook sends the
///   webhook) → each agent's watch brings it: p50, p99, max, and how many never got it in 30 s;
/// - one reaction (a remote-write sample matching the graph's edge, labelled with one node) →
///   that node's watch brings the follow-up probe;
/// - the dictator's CPU seconds and RSS, per 1,000 agents; the fleet's own CPU time beside the
///   dictator's shows the generator is not the bottleneck.
struct FanoutBenchmark: Benchmark {
    let name = "fanout"
    let repository: String?

    /// Agent counts from `AEOLUS_BENCH_FANOUT_AGENTS` (comma-separated), or 1,000, 5,000, 10,000.
    static var counts: [Int] {
        let text = ProcessInfo.processInfo.environment["AEOLUS_BENCH_FANOUT_AGENTS"] ?? "1000,5000,10000"
        return text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
    }

    func run() async throws -> [BenchmarkResult] {
        let example = try TestRunBenchmark.repositoryDirectory(repository)
        guard FileManager.default.isExecutableFile(atPath: AeolusBinary.path) else {
            throw BenchError("the fanout benchmark runs \(AeolusBinary.path); build it first (make bench does)")
        }
        OpenFileLimit.raiseToHardLimit()
        var results: [BenchmarkResult] = []
        for count in Self.counts {
            let figures = try await onThread { try Self.measure(count: count, example: example) }
            print(figures.summary)
            results += figures.results
        }
        return results
    }

    /// What one run at N agents measured.
    struct Figures {
        var count: Int
        var storm: Double
        var watchesOpen: Double
        var push: [Double]
        var pushMissing: Int
        var reaction: Double?
        var stormCPU: Double
        var pushCPU: Double
        var steadyCPU: Double
        var steadySeconds: Double
        var rss: Double
        var peakRSS: Double
        var fleetCPU: Double
        var failures: String

        var thousands: Double { Double(count) / 1000 }

        var results: [BenchmarkResult] {
            let n = "fanout \(count)"
            var results = [
                BenchmarkResult(name: "\(n): registration storm → all hold an assignment", aeolus: storm, peer: 10,
                                peerName: "target", unit: "s", target: 1,
                                note: String(format: "watches open %.1f s; dictator CPU %.1f s; fleet CPU %.1f s; %@",
                                             watchesOpen, stormCPU, fleetCPU, failures)),
                BenchmarkResult(name: "\(n): git push → every agent has it, p50", aeolus: percentile(push, 0.5) * 1000, peer: 1000,
                                peerName: "target (p99)", unit: "ms"),
                BenchmarkResult(name: "\(n): git push → every agent has it, p99", aeolus: percentile(push, 0.99) * 1000, peer: 1000,
                                peerName: "target", unit: "ms", target: pushMissing == 0 ? 1 : 0,
                                note: String(format: "max %.0f ms; %d of %d never got it within 30 s; dictator CPU %.1f s",
                                             (push.max() ?? 0) * 1000, pushMissing, count, pushCPU)),
                BenchmarkResult(name: "\(n): dictator CPU per 1,000 agents, storm", aeolus: stormCPU / thousands, peer: 10,
                                peerName: "storm target (s)", unit: "s",
                                note: String(format: "steady state (a report per agent per 10 s): %.2f CPU s per s per 1,000 agents",
                                             steadyCPU / steadySeconds / thousands)),
                BenchmarkResult(name: "\(n): dictator RSS per 1,000 agents", aeolus: rss / thousands, peer: 1024 / 10,
                                peerName: "1 GiB per 10,000", unit: "MiB", target: 1,
                                note: String(format: "RSS %.0f MiB, peak %.0f MiB", rss, peakRSS)),
            ]
            if let reaction {
                results.append(BenchmarkResult(name: "\(n): one reaction → its node has it", aeolus: reaction * 1000, peer: 1000,
                                               peerName: "push target", unit: "ms"))
            }
            return results
        }

        var summary: String {
            String(format: "fanout %d: storm %.1f s (watches %.1f s), push p50 %.0f ms p99 %.0f ms max %.0f ms missing %d, "
                + "reaction %@, dictator CPU storm %.1f s push %.1f s, RSS %.0f MiB (peak %.0f), fleet CPU %.1f s; %@",
                   count, storm, watchesOpen, percentile(push, 0.5) * 1000, percentile(push, 0.99) * 1000,
                   (push.max() ?? 0) * 1000, pushMissing, reaction.map { String(format: "%.0f ms", $0 * 1000) } ?? "-",
                   stormCPU, pushCPU, rss, peakRSS, fleetCPU, failures)
        }
    }

    static func measure(count: Int, example: String) throws -> Figures {
        let session = try Session(example: example)
        defer { session.stop() }
        let fleet = SimulatedFleet(count: count, host: "127.0.0.1", port: session.dictator.port, token: Session.token)
        defer { fleet.stop() }
        let dictator = session.dictator.pid

        // The storm.
        let cpu0 = ProcessStats(pid: dictator), self0 = ProcessStats.ownCPU()
        let started = fleet.now()
        fleet.start()
        let stormTimeout = Double(max(120, count / 20))
        try waitUntil(timeout: stormTimeout, "\(count) agents registered") { fleet.observations.withLock { $0.registered.count } == count }
        let storm = fleet.observations.withLock { $0.registered.values.max() ?? 0 } - started
        try waitUntil(timeout: stormTimeout, "\(count) watches open") { fleet.observations.withLock { $0.watching } == count }
        let watchesOpen = fleet.now() - started
        // Every agent fetched its objects and reported.
        try waitUntil(timeout: stormTimeout, "\(count) first reports") { fleet.observations.withLock { $0.reports } >= count }
        let cpu1 = ProcessStats(pid: dictator), self1 = ProcessStats.ownCPU()

        // Steady state: reports every 10 s.
        Thread.sleep(forTimeInterval: 10)
        let cpu2 = ProcessStats(pid: dictator)

        // One policy change by git push + webhook.
        let probe = "policy/bench/pushed"
        let pushed = fleet.now()
        try session.push(policy: "pushed", template: "tcp-retransmits")
        _ = try? waitUntil(timeout: 30, "") { fleet.observations.withLock { $0.seen[probe]?.count ?? 0 } == count }
        let seen = fleet.observations.withLock { $0.seen[probe] ?? [:] }
        let push = seen.values.map { $0 - pushed }
        try? waitUntil(timeout: 30, "") { fleet.observations.withLock { $0.fetches } >= 2 * count }
        let cpu3 = ProcessStats(pid: dictator)

        // One reaction for one node.
        let target = count / 2
        let fired = fleet.now()
        try session.remoteWrite(node: SimulatedFleet.node(target))
        var reaction: Double?
        try? waitUntil(timeout: 30, "") {
            fleet.observations.withLock { observations in
                reaction = observations.seen.first { observations.templates[$0.key] == "flow-latency" && $0.value[target] != nil }
                    .map { $0.value[target]! - fired }
            }
            return reaction != nil
        }
        let failures = fleet.observations.withLock {
            "failures: register \($0.registerFailures), watch \($0.watchFailures), fetch \($0.fetchFailures), report \($0.reportFailures)"
        }
        return Figures(count: count, storm: storm, watchesOpen: watchesOpen, push: push, pushMissing: count - push.count,
                       reaction: reaction, stormCPU: cpu1.cpu - cpu0.cpu, pushCPU: cpu3.cpu - cpu2.cpu,
                       steadyCPU: cpu2.cpu - cpu1.cpu, steadySeconds: 10, rss: cpu3.rss, peakRSS: cpu3.peakRSS,
                       fleetCPU: self1 - self0, failures: failures)
    }

    static func waitUntil(timeout: TimeInterval, _ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition() {
            guard Date() < deadline else { throw BenchError("fanout: no \(what) after \(Int(timeout)) s") }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// CPU seconds and memory of a process, from `/proc`.
    struct ProcessStats {
        var cpu: Double = 0
        var rss: Double = 0
        var peakRSS: Double = 0

        init(pid: Int32) {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
               let close = stat.lastIndex(of: ")") {
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                // After the command: state is field 3, utime 14 and stime 15 (1-based).
                if fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) { cpu = (user + system) / ticks }
            }
            for line in ((try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? "").split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count >= 2, let kilobytes = Double(parts[1]) else { continue }
                if parts[0] == "VmRSS:" { rss = kilobytes / 1024 }
                if parts[0] == "VmHWM:" { peakRSS = kilobytes / 1024 }
            }
        }

        /// This process's CPU seconds (user + system).
        static func ownCPU() -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
    }

    /// git daemon serving a bench repository (a baseline policy on every node, a graph edge
    /// from a retransmit counter to a per-flow probe on the event's node) and the dictator.
    final class Session {
        static let token = "bench-token"
        let directory: TemporaryDirectory
        let daemon: GitDaemon
        private(set) var dictator: DictatorProcess
        private let dictatorArguments: [String]
        private let work: String
        private let http = HTTPClient(bearerToken: token)

        /// The repository's graph is `graph`; `arguments` go to the dictator after the usual ones.
        init(example: String, graph: String = retransmitsToLatencyGraph(ttl: "60s", maxActive: 10),
             arguments: [String] = [], prefix: String = "aeolus-bench-fanout") throws {
            directory = try TemporaryDirectory(prefix: prefix)
            var files: [String: String] = [:]
            for path in ["include/aeolus.h", "templates/tcp-states/template.yaml", "templates/tcp-states/probe.bpf.c",
                         "templates/tcp-retransmits/template.yaml", "templates/tcp-retransmits/probe.bpf.c",
                         "templates/flow-latency/template.yaml", "templates/flow-latency/probe.bpf.c"] {
                files[path] = try String(contentsOfFile: example + "/" + path, encoding: .utf8)
            }
            files["aeolus.yaml"] = try String(contentsOfFile: example + "/aeolus.yaml", encoding: .utf8)
            files["graph.yaml"] = graph
            files["policies/baseline.yaml"] = """
                apiVersion: aeolus.io/v1alpha1
                kind: ProbePolicy
                metadata: {name: baseline, namespace: bench}
                spec:
                  template: tcp-states
                  selector:
                    nodes: {matchLabels: {pool: fanout}}

                """
            let served = directory.path("served/config.git")
            _ = try Git.makeBareRepositoryBlocking(at: served, files: files)
            work = directory.path("work")
            try Git.runBlocking(["clone", "-q", served, work])
            daemon = try GitDaemon(baseDirectory: directory.path("served"))
            try "\(Self.token)\n".write(toFile: directory.path("token"), atomically: true, encoding: .utf8)
            let port = try PrometheusServer.freePort()
            try GitOpsLatencyBenchmark.Session.installWebhook(in: served, url: "http://127.0.0.1:\(port)/hooks/git")
            try Git.runBlocking(["-C", work, "remote", "set-url", "origin", daemon.url("config.git")])
            dictatorArguments = ["--repo", daemon.url("config.git"), "--poll", "60s",
                                 "--workdir", directory.path("dictator"), "--token-file", directory.path("token"),
                                 "--log-level", "warning"] + arguments
            dictator = try DictatorProcess(arguments: dictatorArguments, port: port, logFile: directory.path("dictator.log"))
            try waitReady()
        }

        /// Waits until the dictator answers `/readyz` with 200.
        func waitReady() throws {
            let dictator = self.dictator
            try FanoutBenchmark.waitUntil(timeout: 120, "ready dictator") {
                guard dictator.isRunning else { throw BenchError("fanout: the dictator stopped:\n\(dictator.log)") }
                return (try? http.sendBlocking(HTTPRequest(url: dictator.url + "/readyz", timeout: .seconds(2))).status) == 200
            }
        }

        /// SIGKILLs the dictator and starts it again on the same port and workdir (not waiting
        /// until it is ready).
        func killAndRestart() throws {
            dictator.kill()
            dictator = try DictatorProcess(arguments: dictatorArguments, port: dictator.port, logFile: directory.path("dictator.log"))
        }

        /// Commits a policy running `template` on every fanout node and pushes it (the hook
        /// sends the webhook).
        func push(policy: String, template: String) throws {
            try """
                apiVersion: aeolus.io/v1alpha1
                kind: ProbePolicy
                metadata: {name: \(policy), namespace: bench}
                spec:
                  template: \(template)
                  selector:
                    nodes: {matchLabels: {pool: fanout}}

                """.write(toFile: work + "/policies/\(policy).yaml", atomically: true, encoding: .utf8)
            try Git.runBlocking(["-C", work, "add", "-A"])
            try Git.runBlocking(["-C", work, "commit", "-q", "-m", "add \(policy)"])
            try Git.runBlocking(["-C", work, "push", "-q", "origin", "HEAD:main"])
        }

        /// Sends the dictator one remote-write sample of flow `sport` on `node` (by default one
        /// that fires the fanout graph's edge).
        func remoteWrite(node: String, sport: Int = 40000, value: Double = 3) throws {
            let series = TimeSeries(name: "aeolus_tcp_retransmits_total",
                                    labels: ["node": node, "saddr": "198.18.0.1", "daddr": "198.18.0.2", "sport": "\(sport)", "dport": "80"],
                                    samples: [Sample(value: value, timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))])
            let body = try RemoteWrite.encode(WriteRequest(timeseries: [series]))
            let response = try http.sendBlocking(HTTPRequest(
                method: .post, url: dictator.url + AgentAPI.remoteWrite,
                headers: ["Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                          "X-Prometheus-Remote-Write-Version": "0.1.0"],
                body: body, timeout: .seconds(10)))
            guard response.status == 204 else {
                throw BenchError("fanout: remote write: HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
            }
        }

        func stop() {
            dictator.stop()
            daemon.stop()
            directory.remove()
        }
    }
}
