import Agent
import AeolusModel
import Collector
import Compiler
import Dictator
import Foundation
import ProcessKit

/// The dictator's planner at scale: 10,000 simulated nodes × 20 probes. Targets (absolute, so the
/// "peer" column is the target itself): a full plan under 1 s, one policy re-planned under 50 ms,
/// under 500 MB RSS.
struct PlannerScaleBenchmark: Benchmark {
    let name = "planner"

    func run() async throws -> [BenchmarkResult] {
        let figures = PlannerBenchmark.run(nodes: 10_000, probes: 20)
        return [
            BenchmarkResult(name: "planner full plan, 10,000 nodes × 20 probes", aeolus: (figures["full_plan_seconds"] ?? 0) * 1000,
                            peer: 1000, peerName: "target", unit: "ms", target: 1),
            BenchmarkResult(name: "planner one policy re-planned", aeolus: (figures["one_policy_replan_seconds"] ?? 0) * 1000,
                            peer: 50, peerName: "target", unit: "ms", target: 1,
                            note: "\(Int(figures["nodes_changed_by_replan"] ?? 0)) nodes changed"),
            BenchmarkResult(name: "planner RSS", aeolus: figures["rss_megabytes"] ?? 0, peer: 500, peerName: "target", unit: "MB", target: 1),
        ]
    }
}

/// The collector's map decoding: ns per series decoded on one core beside the 1 µs floor that
/// 1M series/s per core means, its RSS at 100k series beside the 100 MB target, and the CPU a
/// scrape of 100k series costs (read, decode, export) beside the default interval.
struct CollectorDecodeBenchmark: Benchmark {
    let name = "collector"

    func run() async throws -> [BenchmarkResult] {
        let result = try await CollectorBenchmark.decode(series: 100_000, rounds: 5)
        return [
            BenchmarkResult(name: "collector decode, 100k series", aeolus: 1e9 / result.decodedPerSecond, peer: 1000,
                            peerName: "1M series/s per core", unit: "ns/series", target: 1,
                            note: String(format: "%.2fM series/s", result.decodedPerSecond / 1e6)),
            BenchmarkResult(name: "collector RSS at 100k series", aeolus: Double(result.residentBytes) / 1_048_576, peer: 100,
                            peerName: "target", unit: "MiB", target: 1, note: "whole benchmark process"),
            BenchmarkResult(name: "collector CPU per scrape of 100k series (read, decode, export)",
                            aeolus: result.cpuSeconds / Double(result.rounds) * 1000, peer: 10_000,
                            peerName: "the default 10 s interval", unit: "ms",
                            note: String(format: "%.1f%% of one core at a 10 s interval",
                                         result.cpuSeconds / Double(result.rounds) / 10 * 100)),
        ]
    }
}

/// The agent's attach latency from a desired-set change to attached, beside the libbpf floor
/// (open + load + attach of the same object) measured in the same run, on a pod (network
/// namespace) this benchmark creates and removes.
struct AgentAttachBenchmark: Benchmark {
    let name = "agent"
    let repository: String?

    func run() async throws -> [BenchmarkResult] {
        let directory = NSTemporaryDirectory() + "aeolus-bench-agent-\(getpid())"
        let netns = "aeolus-bench-\(getpid())", host = "aeb\(getpid() % 100_000)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            _ = try? Subprocess.collect("/usr/sbin/ip", ["netns", "delete", netns])
            _ = try? Subprocess.collect("/usr/sbin/ip", ["link", "delete", host])
            try? FileManager.default.removeItem(atPath: directory)
        }
        for command in [["netns", "add", netns], ["link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", netns],
                        ["link", "set", host, "up"], ["-n", netns, "link", "set", "eth0", "up"]] {
            try await Subprocess.run("/usr/sbin/ip", command)
        }
        let compiler = BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache())
        let build = await RepositoryCompiler(compiler: compiler)
            .build(snapshot: try ConfigRepository.snapshot(directory: try TestRunBenchmark.repositoryDirectory(repository)))
        guard let compiled = build.templates["pod-traffic"] else { throw BenchError("pod-traffic did not compile: \(build.diagnostics)") }
        let objectPath = directory + "/pod-traffic.o"
        try Data(compiled.object.elf).write(to: URL(fileURLWithPath: objectPath))
        let pod = Pod(name: "bench", netns: "/run/netns/\(netns)", interface: "eth0", hostInterface: host)
        let figures = try await AgentBenchmark.run(objectPath: objectPath, program: "count_ingress", pod: pod, iterations: 40,
                                                   stateDirectory: directory + "/state")
        let floor50 = figures["floor_p50_ms"] ?? 0, floor99 = figures["floor_p99_ms"] ?? 0
        return [
            BenchmarkResult(name: "agent attach latency p50", aeolus: figures["agent_p50_ms"] ?? 0, peer: floor50,
                            peerName: "libbpf open+load+attach", unit: "ms", marginal: (figures["agent_p50_ms"] ?? 0) - floor50, target: 2),
            BenchmarkResult(name: "agent attach latency p99", aeolus: figures["agent_p99_ms"] ?? 0, peer: floor99,
                            peerName: "libbpf open+load+attach", unit: "ms"),
        ]
    }
}
