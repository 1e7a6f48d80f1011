import AeolusModel
import AeolusTesting
import BPFKit
import Foundation
import Testing
@testable import Agent

/// Fixtures shared by the agent's kernel tests: compiled example templates with unique program
/// names, pods files, assignment files, and a running agent.
enum Support {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let examples = repoRoot.appendingPathComponent("config-repo-example")
    private static let counter = Mutex(0)

    /// A short tag unique in this machine's recent past (program names are at most 15 characters).
    static func tag() -> String {
        let serial = counter.withLock { $0 += 1; return $0 }
        return "\(getpid() % 10_000)x\(serial)"
    }

    /// Compiles example template `template`, renaming its programs (`from` → `to`) so that
    /// `bpftool prog` tells this test's programs from every other test's.
    static func compileTemplate(_ template: String, renaming: [String: String], to path: String) async throws {
        let folder = examples.appendingPathComponent("templates/\(template)")
        let source = try String(contentsOf: folder.appendingPathComponent("probe.bpf.c"), encoding: .utf8)
        let defines = renaming.sorted { $0.key < $1.key }.map { "#define \($0.key) \($0.value)\n" }.joined()
        let elf = try await Clang.compileBPF(source: defines + source,
                                       includes: [folder.path, examples.appendingPathComponent("include").path])
        try Data(elf).write(to: URL(fileURLWithPath: path))
    }

    /// An object the verifier refuses (reads packet data without a bounds check).
    static func compileRejected(program: String, to path: String) async throws {
        let elf = try await Clang.compileBPF(source: """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        SEC("tc")
        int \(program)(struct __sk_buff *skb) { return *(__u32 *)(long)skb->data; }
        char LICENSE[] SEC("license") = "GPL";
        """)
        try Data(elf).write(to: URL(fileURLWithPath: path))
    }

    /// Writes a pods file for `pods` (name → labels).
    static func writePods(_ pods: [(NetworkNamespace, [String: String])], to path: String) throws {
        try NetworkNamespace.writePodsFile(pods, to: path)
    }

    /// Writes an assignment file (JSON) with `probes`.
    static func writeAssignments(_ probes: [[String: Any]], to path: String) throws {
        try JSONSerialization.data(withJSONObject: ["probes": probes]).write(to: URL(fileURLWithPath: path + ".tmp"))
        _ = rename(path + ".tmp", path)
    }

    /// Polls `body` until it returns non-nil, or fails after `timeout`.
    static func eventually<T>(_ what: String, timeout: Duration = .seconds(60),
                              sourceLocation: Testing.SourceLocation = #_sourceLocation, _ body: () throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try body() { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
        throw TimedOut(what: what)
    }

    struct TimedOut: Error { var what: String }

    /// Reads `<state-dir>/probes.json`.
    static func readState(_ directory: String) -> NodeProbeState? {
        FileManager.default.contents(atPath: "\(directory)/\(NodeProbeState.fileName)").flatMap { try? NodeProbeState.decode($0) }
    }

    /// The ids of loaded programs called `name` (`bpftool prog show`).
    static func programIDs(named name: String) throws -> [UInt32] {
        let output = try Subprocess.run("/usr/sbin/bpftool", ["-j", "prog", "show"]).standardOutput
        let list = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
        return list.filter { ($0["name"] as? String) == name }.compactMap { ($0["id"] as? NSNumber)?.uint32Value }.sorted()
    }

    /// The BPF filters `tc filter show` lists on `pod`'s interface in `direction`.
    static func filters(_ pod: NetworkNamespace, _ direction: String) throws -> [String] {
        let output = try Subprocess.run("/usr/sbin/ip", ["netns", "exec", pod.name, "tc", "filter", "show", "dev", pod.interface, direction])
        // One line per filter chain head, one per filter: count the filters (they carry a handle).
        return output.standardOutput.split(separator: "\n").map(String.init).filter { $0.contains(" bpf ") && $0.contains(" handle ") }
    }

    /// UDP packets to the pod counted by pod-traffic's `packets` map (pinned at `mapPath`) on
    /// ingress of interface `ifindex`.
    static func udpIngressPackets(mapPath: String, ifindex: Int) throws -> UInt64 {
        let map = try Map.open(pinnedAt: mapPath)
        defer { map.close() }
        var total: UInt64 = 0
        for key in try map.keys() {
            let index = key.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt32.self) }
            guard Int(index) == ifindex, key[4] == 0, key[5] == 17 else { continue }
            for slot in try map.lookupPerCPU(key) ?? [] {
                total += slot.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            }
        }
        return total
    }

    /// The `aeolus` binary next to the test bundle (built by `swift build --build-tests`).
    static func aeolusBinary() throws -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aeolus").path,
            repoRoot.appendingPathComponent(".build/debug/aeolus").path,
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TimedOut(what: "an aeolus binary in \(candidates)")
        }
        return found
    }
}

import Synchronization

/// An agent running in this process on a task, for the kernel tests.
final class RunningAgent: Sendable {
    let agent: Agent
    private let task: Task<Void, Error>

    init(_ configuration: AgentConfiguration, assignments: String, pods: String) {
        agent = Agent(configuration: configuration,
                      desired: AssignmentFile(path: assignments, node: configuration.node, pollInterval: .milliseconds(20)),
                      inventory: NetnsPodInventory(podsFile: pods))
        let agent = self.agent
        task = Task { try await agent.run() }
    }

    /// Stops the loop (probes stay, as after a graceful stop) and waits for it.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Runs an agent while `body` runs and stops it afterwards, also when `body` throws: an agent
    /// left running would pin again what the test's cleanup removes.
    static func during<T>(_ configuration: AgentConfiguration, assignments: String, pods: String,
                          _ body: (RunningAgent) async throws -> T) async throws -> T {
        let running = RunningAgent(configuration, assignments: assignments, pods: pods)
        do {
            let value = try await body(running)
            await running.stop()
            return value
        } catch {
            await running.stop()
            throw error
        }
    }
}
