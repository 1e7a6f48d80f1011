import AeolusModel
import AeolusTesting
import Compiler
import Foundation
import Testing
@testable import Agent

/// The benchmark (attach latency beside the libbpf floor) and the agent's memory with the
/// example probes live. Run with `--filter AgentBenchmarkTests`; the numbers are printed.
@Suite(.serialized) struct AgentBenchmarkTests {
    @Test func attachLatencyBesideTheFloor() async throws {
        try KernelTest.requireRoot()
        let tag = Support.tag()
        let directory = try TemporaryDirectory(prefix: "aeolus-agent-bench-\(tag)")
        try await Support.compileTemplate("pod-traffic", renaming: ["count_ingress": "ag\(tag)b"], to: directory.path("traffic.o"))
        let namespace = try NetworkNamespace()
        defer { namespace.close() }
        let pod = Pod(name: namespace.name, netns: namespace.path, interface: namespace.interface, hostInterface: namespace.hostInterface)
        let results = try await AgentBenchmark.run(objectPath: directory.path("traffic.o"), program: "ag\(tag)b", pod: pod,
                                                   iterations: 40, stateDirectory: directory.path("state"), node: "agent-bench-\(tag)")
        print("agent attach benchmark: \(results.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.3f", $0.value))" }.joined(separator: " "))")
        #expect(results["agent_p50_ms"]! > 0 && results["floor_p50_ms"]! > 0)
        #expect(try Support.filters(namespace, "ingress").isEmpty)
    }

    /// Compiles every example template, runs them all through `aeolus agent` on one pod and
    /// reads the process's resident memory (target: under 50 MB).
    @Test func residentMemoryWithTheExampleProbes() async throws {
        try KernelTest.requireRoot()
        let tag = Support.tag()
        let directory = try TemporaryDirectory(prefix: "aeolus-agent-rss-\(tag)")
        let paths = AgentPaths(node: "agent-rss-\(tag)", bpffs: "/sys/fs/bpf", stateDirectory: directory.path("state"))
        let snapshot = try ConfigRepository.snapshot(directory: Support.examples.path)
        let compiler = try BPFCompiler(clang: Compiler.Clang.locate(), cache: ObjectCache(directory: directory.path("cache")))
        let build = await RepositoryCompiler(compiler: compiler).build(snapshot: snapshot)
        #expect(build.templates.count == 8)
        var probes: [[String: Any]] = []
        for (name, compiled) in build.templates.sorted(by: { $0.key < $1.key }) {
            try Data(compiled.object.elf).write(to: URL(fileURLWithPath: directory.path("\(name).o")))
            let settings = try compiled.template.loadSettings(parameters: [:]).get()
            probes.append(["id": "example/\(name)", "template": name, "objectPath": "\(name).o",
                           "programs": compiled.template.programs.map { program -> [String: Any] in
                               var entry: [String: Any] = ["name": program.name, "hook": program.hook.rawValue,
                                                           "attachTo": program.attachTo.rawValue]
                               if let target = program.target { entry["target"] = target }
                               return entry
                           },
                           "load": ["rodata": settings.rodata.mapValues { $0.map(Int.init) }, "maxEntries": settings.maxEntries]])
        }
        let pod = try NetworkNamespace()
        var process: ChildProcess?
        defer {
            process?.killSynchronously()
            Applier.purge(paths)
            pod.close()
        }
        try Support.writePods([(pod, ["app": "web"])], to: directory.path("pods.json"))
        try Support.writeAssignments(probes, to: directory.path("assignments.json"))
        process = try AgentRestartTests.start(["--node", paths.node, "--assignments", directory.path("assignments.json"),
                                               "--pods", directory.path("pods.json"), "--state-dir", paths.stateDirectory,
                                               "--listen", "none", "--interval", "0.2"], log: directory.path("agent.log"))
        let state = try await Support.eventually("eight probes reported") { () -> NodeProbeState? in
            guard let state = Support.readState(paths.stateDirectory), state.probes.count == 8 else { return nil }
            return state
        }
        for probe in state.probes { #expect(probe.state == .live, "\(probe.id): \(probe.reason ?? "")") }
        try await Task.sleep(for: .seconds(1))
        let rss = try #require(AgentBenchmark.residentMiB(pid: process!.pid))
        print("agent RSS with \(state.probes.filter { $0.state == .live }.count) example probes live: \(String(format: "%.1f", rss)) MiB")
        #expect(rss < 50)
    }
}
