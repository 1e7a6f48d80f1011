import AeolusModel
import Foundation
import ProcessKit

/// git push → probe attached, through the real components: a bare repository behind `git daemon`,
/// the dictator and an agent (the `aeolus` binary beside this one). Each round pushes a new policy
/// for the node-wide tcp-states template and times from the start of `git push` until the agent
/// reports it live — with the webhook (poll 30 s) and with polling alone (poll 1 s). As a git
/// server does, the served repository's post-receive hook sends the webhook once the refs are
/// updated, without holding up the push. The peer is bpftrace from start to "Attaching" for an
/// equivalent tracepoint program, measured in the same run.
///
/// With `AEOLUS_BENCH_LOG_DIR` set, the dictator and the agent log at debug level (their stage
/// durations) into `dictator-<poll>.log` and `agent-<poll>.log` there.
struct GitOpsLatencyBenchmark: Benchmark {
    let name = "gitops"
    let repository: String?
    let rounds = 20

    func run() async throws -> [BenchmarkResult] {
        try await onThread { try measure() }
    }

    private func measure() throws -> [BenchmarkResult] {
        let aeolus = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aeolus").path
        guard FileManager.default.isExecutableFile(atPath: aeolus) else {
            throw BenchError("the gitops benchmark runs \(aeolus); build it first (make bench does)")
        }
        let webhook = try Session(aeolus: aeolus, repository: try TestRunBenchmark.repositoryDirectory(repository), poll: "30s", webhook: true)
        let withWebhook = try webhook.rounds(rounds, webhook: true)
        let afterPush = zip(withWebhook, webhook.pushSeconds).map { $0 - $1 }
        let push50 = percentile(webhook.pushSeconds, 0.5)
        webhook.stop()
        let polling = try Session(aeolus: aeolus, repository: try TestRunBenchmark.repositoryDirectory(repository), poll: "1s", webhook: false)
        let withPolling = try polling.rounds(rounds / 2, webhook: false)
        polling.stop()
        let bpftrace = try (0..<rounds).map { _ in try Self.bpftraceStartup() }
        let peer50 = percentile(bpftrace, 0.5), peer99 = percentile(bpftrace, 0.99)
        return [
            BenchmarkResult(name: "git push → attached, webhook, p50", aeolus: percentile(withWebhook, 0.5) * 1000, peer: peer50 * 1000,
                            peerName: "bpftrace start → attached", unit: "ms",
                            note: String(format: "target p50 < 100 ms; %d pushes: the first half p50 %.0f ms, the second half %.0f ms",
                                         rounds, percentile(Array(withWebhook.prefix(rounds / 2)), 0.5) * 1000,
                                         percentile(Array(withWebhook.suffix(rounds / 2)), 0.5) * 1000)),
            BenchmarkResult(name: "git push → attached, webhook, p99", aeolus: percentile(withWebhook, 0.99) * 1000, peer: peer99 * 1000,
                            peerName: "bpftrace start → attached", unit: "ms"),
            BenchmarkResult(name: "push done → attached (webhook, fetch, plan, attach), p50", aeolus: percentile(afterPush, 0.5) * 1000,
                            peer: peer50 * 1000, peerName: "bpftrace start → attached", unit: "ms",
                            note: String(format: "git push itself: p50 %.0f ms", push50 * 1000)),
            BenchmarkResult(name: "git push → attached, polling 1 s, p50", aeolus: percentile(withPolling, 0.5) * 1000, peer: peer50 * 1000,
                            peerName: "bpftrace start → attached", unit: "ms"),
            BenchmarkResult(name: "git push → attached, polling 1 s, p99", aeolus: percentile(withPolling, 0.99) * 1000, peer: peer99 * 1000,
                            peerName: "bpftrace start → attached", unit: "ms"),
        ]
    }

    /// Seconds from starting bpftrace to its "Attaching" line, for a tcp state tracepoint.
    static func bpftraceStartup() throws -> Double {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/bpftrace") else {
            throw BenchError("bpftrace (Debian's package) is the peer of the gitops benchmark; make bench installs it")
        }
        let start = ContinuousClock.now
        let process = try ChildProcess("/usr/bin/bpftrace", ["-e", "tracepoint:sock:inet_sock_set_state { @[args->newstate] = count(); }"],
                                       standardOutput: .pipe, standardError: .null)
        while let line = process.standardOutput!.readLine(timeout: .seconds(30)), !line.contains("Attaching") {}
        let elapsed = ContinuousClock.now - start
        process.terminateSynchronously(grace: .seconds(5))
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// A git daemon, a dictator and an agent in a scratch folder.
    final class Session {
        let directory: String
        let work: String
        private(set) var dictatorURL = ""
        let stateDirectory: String
        private var processes: [ChildProcess] = []
        private let node = "bench-node-\(getpid())"

        /// A session; with `webhook`, the served repository sends the webhook after each push.
        init(aeolus: String, repository: String, poll: String, webhook: Bool = false) throws {
            directory = NSTemporaryDirectory() + "aeolus-bench-gitops-\(UUID().uuidString.prefix(8))"
            work = directory + "/work"
            stateDirectory = directory + "/agent"
            try FileManager.default.createDirectory(atPath: directory + "/served", withIntermediateDirectories: true)
            try Subprocess.run("/bin/cp", ["-r", repository, work])
            try? FileManager.default.removeItem(atPath: work + "/.git")
            try? FileManager.default.removeItem(atPath: work + "/policies")
            try FileManager.default.createDirectory(atPath: work + "/policies", withIntermediateDirectories: true)
            try git(["init", "-q", "-b", "main"])
            try git(["add", "-A"])
            try git(["commit", "-q", "-m", "seed"])
            try Subprocess.run("/usr/bin/git", ["clone", "-q", "--bare", work, directory + "/served/config.git"])
            let gitPort = try freePort(), dictatorPort = try freePort()
            dictatorURL = "http://127.0.0.1:\(dictatorPort)"
            if webhook { try Self.installWebhook(in: directory + "/served/config.git", url: dictatorURL + "/hooks/git") }
            try spawn("/usr/lib/git-core/git-daemon", ["--reuseaddr", "--base-path=\(directory)/served", "--export-all",
                                                       "--enable=receive-pack", "--listen=127.0.0.1", "--port=\(gitPort)", "\(directory)/served"])
            Thread.sleep(forTimeInterval: 0.3)
            try git(["remote", "add", "origin", "git://127.0.0.1:\(gitPort)/config.git"])
            let logs = ProcessInfo.processInfo.environment["AEOLUS_BENCH_LOG_DIR"]
            let level = logs == nil ? "warning" : "debug"
            try spawn(aeolus, ["dictator", "--repo", "git://127.0.0.1:\(gitPort)/config.git", "--listen", "127.0.0.1:\(dictatorPort)",
                               "--poll", poll, "--workdir", directory + "/dictator", "--log-level", level],
                      log: logs.map { "\($0)/dictator-\(poll).log" })
            try "[]".write(toFile: directory + "/pods.json", atomically: true, encoding: .utf8)
            try spawn(aeolus, ["agent", "--node", node, "--dictator", dictatorURL, "--pods", directory + "/pods.json",
                               "--state-dir", stateDirectory, "--listen", "none", "--interval", "0.2", "--log-level", level],
                      log: logs.map { "\($0)/agent-\(poll).log" })
            // Ready when the dictator has reconciled the first revision and the agent reports.
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let ready = (try? Subprocess.collect("/usr/bin/curl", ["-sf", "-o", "/dev/null", dictatorURL + "/readyz"]).status) == 0
                if ready, FileManager.default.fileExists(atPath: stateDirectory + "/" + NodeProbeState.fileName) { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        /// Seconds the `git push` commands themselves took in the last `rounds` call.
        private(set) var pushSeconds: [Double] = []

        /// Pushes `count` policies one by one; seconds from `git push` to the probe live.
        func rounds(_ count: Int, webhook: Bool) throws -> [Double] {
            var latencies: [Double] = []
            pushSeconds = []
            for round in 0..<count {
                let name = "bench-\(webhook ? "hook" : "poll")-\(round)"
                let file = "policies/\(name).yaml"
                try """
                    apiVersion: aeolus.io/v1alpha1
                    kind: ProbePolicy
                    metadata: {name: \(name), namespace: bench}
                    spec: {template: tcp-states}
                    """.write(toFile: work + "/" + file, atomically: true, encoding: .utf8)
                try git(["add", file])
                try git(["commit", "-q", "-m", "add \(name)"])
                let start = ContinuousClock.now
                try git(["push", "-q", "origin", "main"])
                let pushed = ContinuousClock.now - start
                pushSeconds.append(Double(pushed.components.seconds) + Double(pushed.components.attoseconds) / 1e18)
                try waitUntil(timeout: 30) { live().contains("policy/bench/\(name)") }
                let elapsed = ContinuousClock.now - start
                latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                try FileManager.default.removeItem(atPath: work + "/" + file)
                try git(["commit", "-q", "-a", "-m", "remove \(name)"])
                try git(["push", "-q", "origin", "main"])
                try waitUntil(timeout: 60) { !live().contains("policy/bench/\(name)") }
            }
            return latencies
        }

        /// Installs a post-receive hook in the bare repository at `path` that posts a push event
        /// for each updated ref to `url` in the background, as a git server's webhook does.
        static func installWebhook(in path: String, url: String) throws {
            let hook = path + "/hooks/post-receive"
            try """
                #!/bin/sh
                while read old new ref; do
                  /usr/bin/curl -s -o /dev/null -X POST -H 'X-GitHub-Event: push' -d "{\\"ref\\":\\"$ref\\"}" '\(url)' \\
                    </dev/null >/dev/null 2>&1 &
                done

                """.write(toFile: hook, atomically: true, encoding: .utf8)
            guard chmod(hook, 0o755) == 0 else { throw BenchError("gitops: cannot make \(hook) executable") }
        }

        /// Stops the agent (its probes are then purged), the dictator and git daemon.
        func stop() {
            for process in processes.reversed() { process.terminateSynchronously(grace: .seconds(10)) }
            processes = []
            _ = try? Subprocess.collect("/bin/rm", ["-rf", "/sys/fs/bpf/aeolus/\(node)"])
            rmdir("/sys/fs/bpf/aeolus")
            try? FileManager.default.removeItem(atPath: directory)
        }

        private func live() -> Set<String> {
            guard let data = FileManager.default.contents(atPath: stateDirectory + "/" + NodeProbeState.fileName),
                  let state = try? NodeProbeState.decode(data) else { return [] }
            return Set(state.probes.filter { $0.state == .live }.map(\.id))
        }

        private func waitUntil(timeout: TimeInterval, _ condition: () -> Bool) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while !condition() {
                guard Date() < deadline else { throw BenchError("gitops: timed out after \(Int(timeout)) s") }
                Thread.sleep(forTimeInterval: 0.002)
            }
        }

        private func git(_ arguments: [String]) throws {
            try Subprocess.run("/usr/bin/git", ["-C", work, "-c", "user.name=bench", "-c", "user.email=bench@aeolus.invalid"] + arguments)
        }

        private func spawn(_ executable: String, _ arguments: [String], log: String? = nil) throws {
            var standardError = ChildProcess.Redirect.null
            if let log, FileManager.default.createFile(atPath: log, contents: nil) { standardError = .file(log) }
            processes.append(try ChildProcess(executable, arguments, standardOutput: .null, standardError: standardError))
        }

        private func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }
}

/// The `p`-quantile (0...1) of `values` (nearest rank).
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
}
