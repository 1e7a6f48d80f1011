import AeolusModel
import AeolusTesting
import BPFKit
import Compiler
import Foundation
import KubeKit

/// The agent's Kubernetes pod inventory, through the release `aeolus agent --pods kubernetes`
/// against the fake API server, with pods that are network namespaces this benchmark creates:
///
/// - pod ADDED on the API → its probe attached (the agent's `probes.json` lists the attachment),
///   p50/p99 over 50 pods, beside the libbpf floor (a tc attach of the already loaded program on
///   the same host veth, through BPFKit) and beside the API side alone (create → the watch event
///   reaching a KubeKit watch in this process);
/// - churn: 100 pods created and deleted per minute for a minute: the agent's CPU seconds and RSS,
///   beside the same agent idle for the same time.
///
/// With `AEOLUS_BENCH_LOG_DIR` set, the agent logs at debug level (its stage durations per pass)
/// into `agent-pods.log` there.
struct PodInventoryBenchmark: Benchmark {
    let name = "pods"
    let repository: String?
    var pods = 50
    var churnSeconds = 60
    var churnPerMinute = 100

    func run() async throws -> [BenchmarkResult] {
        let scratch = try TemporaryDirectory(prefix: "aeolus-bench-pods")
        let node = "bench-pods-\(getpid())"
        var namespaces: [NetworkNamespace] = []
        var agent: AeolusProcess?
        defer {
            _ = agent?.stop()
            try? FileManager.default.removeItem(atPath: "/sys/fs/bpf/aeolus/\(node)")
            namespaces.forEach { $0.close() }
            scratch.remove()
        }
        for _ in 0..<pods { namespaces.append(try NetworkNamespace()) }

        // pod-traffic, compiled once; the standalone desired set selects every pod labelled app=bench.
        let compiler = BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache())
        let build = await RepositoryCompiler(compiler: compiler)
            .build(snapshot: try ConfigRepository.snapshot(directory: try TestRunBenchmark.repositoryDirectory(repository)))
        guard let compiled = build.templates["pod-traffic"] else { throw BenchError("pod-traffic did not compile: \(build.diagnostics)") }
        try Data(compiled.object.elf).write(to: URL(fileURLWithPath: scratch.path("pod-traffic.o")))
        try """
            probes:
              - id: policy/bench/traffic
                template: pod-traffic
                objectPath: pod-traffic.o
                programs:
                  - {name: count_ingress, hook: tc-ingress}
                  - {name: count_egress, hook: tc-egress}
                pods: {matchLabels: {app: bench}}

            """.write(toFile: scratch.path("assignments.yaml"), atomically: true, encoding: .utf8)

        let api = try await FakeKubeAPIServer.start(bookmarkInterval: 5)
        try api.writeKubeconfig(to: scratch.path("kubeconfig"))
        try api.create(.nodes, FakeKubeAPIServer.node(name: node, labels: ["kubernetes.io/os": "linux"]))
        let logs = ProcessInfo.processInfo.environment["AEOLUS_BENCH_LOG_DIR"]
        agent = try AeolusProcess(arguments: [
            "agent", "--node", node, "--pods", "kubernetes", "--kubeconfig", scratch.path("kubeconfig"),
            "--assignments", scratch.path("assignments.yaml"), "--state-dir", scratch.path("agent"),
            "--listen", "none", "--interval", "30", "--log-level", logs == nil ? "warning" : "debug"],
                                  logFile: logs.map { "\($0)/agent-pods.log" } ?? scratch.path("agent.log"))
        let state = StateWatcher(path: scratch.path("agent/\(NodeProbeState.fileName)"))

        // The floor: the probe's program is loaded once; attaching it on a host veth is what a new pod needs.
        let hostInterfaces = namespaces.map(\.hostInterface)
        let elf = compiled.object.elf
        let floor = try await onThread { () -> [Double] in
            let object = try LoadedObject.load(elf: elf, name: "bench")
            defer { object.close() }
            let program = try object.program(named: "count_ingress")
            return try hostInterfaces.map { interface in
                let start = ContinuousClock.now
                let link = try program.attachTC(interface: interface, direction: .egress, namespace: nil)
                let elapsed = ContinuousClock.now - start
                _ = try link.attachment.detach()
                link.close()
                return elapsed.milliseconds
            }
        }

        // The API side alone: create → ADDED on a watch of this process (the fake server's share).
        let kube = KubeClient(config: try KubeConfig.load(kubeconfig: scratch.path("kubeconfig")))
        var apiSide: [Double] = []
        for index in 0..<10 {
            let version = try await kube.list(.pods(), selector: KubeSelector(fields: "spec.nodeName=elsewhere")).resourceVersion
            let events = try await kube.watch(.pods(), selector: KubeSelector(fields: "spec.nodeName=elsewhere"), resourceVersion: version)
            let start = ContinuousClock.now
            try api.create(.pods, namespace: "probe", FakeKubeAPIServer.pod(name: "probe-\(index)", namespace: "probe", node: "elsewhere"))
            for try await event in events { if case .added = event { break } }
            apiSide.append((ContinuousClock.now - start).milliseconds)
        }

        // Pod ADDED → attached, one pod at a time.
        var latencies: [Double] = []
        for (index, pod) in namespaces.enumerated() {
            let name = "web-\(index)"
            let start = ContinuousClock.now
            try api.create(.pods, namespace: "bench", FakeKubeAPIServer.pod(name: name, namespace: "bench", node: node,
                                                                           labels: ["app": "bench"], ips: [pod.address],
                                                                           owner: (kind: "ReplicaSet", name: "web-5d4f8")))
            guard let attached = await state.waitFor({ $0.contains("\"\(name)\"") }, timeout: .seconds(10)) else {
                throw BenchError("pod \(name) was not attached within 10 s\n\(agent?.log ?? "")")
            }
            latencies.append((attached - start).milliseconds)
        }

        for index in namespaces.indices { try api.delete(.pods, namespace: "bench", name: "web-\(index)") }
        guard await state.waitFor({ !$0.contains("\"web-") }, timeout: .seconds(20)) != nil else {
            throw BenchError("the deleted pods were not detached within 20 s\n\(agent?.log ?? "")")
        }

        // Churn: the idle agent first, then 100 pods created and deleted per minute.
        guard let pid = agent?.pid else { throw BenchError("no agent process") }
        let idle = try await ProcessSample.measure(pid: pid, for: .seconds(churnSeconds / 2))
        let addresses = namespaces.map(\.address)
        let churn = try await ProcessSample.measure(pid: pid, for: .seconds(churnSeconds)) { [churnSeconds, churnPerMinute] in
            let gap = Duration.seconds(60) / churnPerMinute
            var live: [String] = []
            var serial = 0
            let end = ContinuousClock.now + .seconds(churnSeconds)
            while ContinuousClock.now < end {
                let address = addresses[serial % addresses.count]
                let name = "churn-\(serial)"
                serial += 1
                // Churned pods take the namespaces in turn, so each is found and attached.
                try api.create(.pods, namespace: "churn", FakeKubeAPIServer.pod(name: name, namespace: "churn", node: node,
                                                                               labels: ["app": "bench"], ips: [address]))
                live.append(name)
                if live.count > 10 { try api.delete(.pods, namespace: "churn", name: live.removeFirst()) }
                try await Task.sleep(for: gap)
            }
            for name in live { try api.delete(.pods, namespace: "churn", name: name) }
        }
        let floor50 = percentile(floor, 0.5), floor99 = percentile(floor, 0.99)
        let note = String(format: "%d pods; the fake API server alone (create → watch event): p50 %.1f ms",
                          latencies.count, percentile(apiSide, 0.5))
        return [
            BenchmarkResult(name: "pod ADDED on the watch → probe attached, p50", aeolus: percentile(latencies, 0.5), peer: floor50,
                            peerName: "libbpf tc attach of the loaded program", unit: "ms",
                            marginal: percentile(latencies, 0.5) - floor50, note: note),
            BenchmarkResult(name: "pod ADDED on the watch → probe attached, p99", aeolus: percentile(latencies, 0.99), peer: floor99,
                            peerName: "libbpf tc attach of the loaded program", unit: "ms"),
            BenchmarkResult(name: "agent CPU under churn (\(churnPerMinute) pods/min)", aeolus: churn.cpuSeconds / Double(churnSeconds) * 100,
                            peer: idle.cpuSeconds / Double(churnSeconds / 2) * 100, peerName: "the same agent idle", unit: "% of a core"),
            BenchmarkResult(name: "agent RSS under churn (\(churnPerMinute) pods/min)", aeolus: churn.maxRSSMiB,
                            peer: idle.maxRSSMiB, peerName: "the same agent idle", unit: "MiB"),
        ]
    }
}

/// Polls a state file for a condition on its text, reading it only when its modification time changes.
private struct StateWatcher {
    let path: String

    /// When `condition` first held (nil on timeout).
    func waitFor(_ condition: (String) -> Bool, timeout: Duration) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + timeout
        var seen = timespec()
        while ContinuousClock.now < deadline {
            var info = stat()
            if stat(path, &info) == 0, info.st_mtim.tv_sec != seen.tv_sec || info.st_mtim.tv_nsec != seen.tv_nsec {
                seen = info.st_mtim
                if let text = try? String(contentsOfFile: path, encoding: .utf8), condition(text) { return .now }
            }
            try? await Task.sleep(for: .microseconds(500))
        }
        return nil
    }
}

/// CPU seconds and peak RSS of a process over a span, from `/proc/<pid>/stat` and `status`.
struct ProcessSample {
    var cpuSeconds: Double
    var maxRSSMiB: Double

    /// Samples `pid` every 500 ms for `span` while `work` runs (if any).
    static func measure(pid: Int32, for span: Duration, while work: (@Sendable () async throws -> Void)? = nil) async throws -> ProcessSample {
        let task = work.map { work in Task { try await work() } }
        let startCPU = cpu(pid)
        var maxRSS = rss(pid)
        let end = ContinuousClock.now + span
        while ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(500))
            maxRSS = max(maxRSS, rss(pid))
        }
        try await task?.value
        return ProcessSample(cpuSeconds: cpu(pid) - startCPU, maxRSSMiB: maxRSS)
    }

    /// utime + stime in seconds.
    static func cpu(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmRSS in MiB.
    static func rss(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Double(line.split(separator: " ")[1]) else { return 0 }
        return kib / 1024
    }
}

extension Duration {
    /// The duration in milliseconds.
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
