import AeolusModel
import BPFKit
import Foundation
import ProcessKit
import Logging

/// Attach latency of the agent from a desired-set change to the probe attached, beside the
/// libbpf floor (load + tc attach of the same object, straight through BPFKit) measured in the
/// same run. For `make bench` and the agent's benchmark test.
public enum AgentBenchmark {
    /// Runs `iterations` rounds of each measurement with the tc program `program` of the object
    /// at `objectPath` on `pod`'s interface (ingress). Returns milliseconds:
    /// `floor_p50_ms`, `floor_p99_ms`, `agent_p50_ms`, `agent_p99_ms`, and `ratio_p50`.
    public static func run(objectPath: String, program: String, pod: Pod, iterations: Int = 50,
                           stateDirectory: String, node: String = "aeolus-bench-\(getpid())") async throws -> [String: Double] {
        let elf = [UInt8](try Data(contentsOf: URL(fileURLWithPath: objectPath)))
        var floor: [Double] = []
        for _ in 0..<iterations {
            let sample = try await DedicatedThread.run("agent-bench") {
                let start = ContinuousClock.now
                let object = try LoadedObject.load(elf: elf, name: "bench")
                let link = try object.program(named: program).attachTC(interface: pod.interface, direction: .ingress, namespace: pod.netns)
                let elapsed = ContinuousClock.now - start
                link.close()
                object.close()
                return milliseconds(elapsed)
            }
            floor.append(sample)
        }

        let configuration = AgentConfiguration(node: node, stateDirectory: stateDirectory, interval: .seconds(60), enableStats: false)
        let channel = DesiredChannel()
        var logger = Logger(label: "aeolus.agent.bench")
        logger.logLevel = .warning
        let agent = Agent(configuration: configuration, desired: channel, inventory: StaticPodInventory([pod]), logger: logger)
        let task = Task { try await agent.run() }
        defer {
            task.cancel()
            Applier.purge(configuration.paths)
        }
        let probe = ProbeAssignment(id: "bench", template: "bench", digest: AgentPaths.digest(of: elf), objectPath: objectPath,
                                    programs: [TemplateProgram(name: program, hook: .tcIngress)])
        var latencies: [Double] = []
        var revision: Int64 = 0
        for _ in 0..<iterations {
            revision += 1
            let sent = ContinuousClock.now
            channel.send(NodeAssignment(node: node, revision: revision, probes: [probe]))
            guard let applied = await agent.waitUntilApplied(revision: revision) else { throw AgentError.invalidOptions("benchmark: revision \(revision) not applied in time") }
            latencies.append(milliseconds(applied - sent))
            revision += 1
            channel.send(NodeAssignment(node: node, revision: revision, probes: []))
            _ = await agent.waitUntilApplied(revision: revision)
        }
        task.cancel()
        _ = try? await task.value
        let floorP50 = percentile(floor, 0.5), agentP50 = percentile(latencies, 0.5)
        return ["floor_p50_ms": floorP50, "floor_p99_ms": percentile(floor, 0.99),
                "agent_p50_ms": agentP50, "agent_p99_ms": percentile(latencies, 0.99),
                "ratio_p50": agentP50 / floorP50]
    }

    /// The resident set size of process `pid`, in MiB (`VmRSS` of /proc/PID/status).
    public static func residentMiB(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kib / 1024
    }

    static func percentile(_ samples: [Double], _ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
