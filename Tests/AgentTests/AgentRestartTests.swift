import AeolusModel
import AeolusTesting
import Foundation
import ProcessKit
import Testing
@testable import Agent

/// The `aeolus agent` process killed with SIGKILL and started again adopts what is live.
@Suite struct AgentRestartTests {
    /// Starts `aeolus agent` with its output in `log`.
    static func start(_ arguments: [String], log: String) throws -> ChildProcess {
        try ChildProcess(try Support.aeolusBinary(), ["agent"] + arguments, standardOutput: .file(log), standardError: .file(log))
    }

    @Test func sigkillAndRestartAdoptWithoutDuplicates() async throws {
        try KernelTest.requireRoot()
        let tag = Support.tag()
        let node = "agent-test-\(tag)"
        let directory = try TemporaryDirectory(prefix: "aeolus-agent-\(tag)")
        let paths = AgentPaths(node: node, bpffs: "/sys/fs/bpf", stateDirectory: directory.path("state"))
        let (ingress, states) = ("ag\(tag)i", "ag\(tag)s")
        try await Support.compileTemplate("pod-traffic", renaming: ["count_ingress": ingress], to: directory.path("traffic.o"))
        try await Support.compileTemplate("tcp-states", renaming: ["on_set_state": states], to: directory.path("states.o"))
        let pods = [try NetworkNamespace(), try NetworkNamespace()]
        var process: ChildProcess?
        defer {
            process?.killSynchronously()
            Applier.purge(paths)
            pods.forEach { $0.close() }
        }
        try Support.writePods(pods.map { ($0, ["app": "web"]) }, to: directory.path("pods.json"))
        try Support.writeAssignments([
            ["id": "traffic", "objectPath": "traffic.o", "programs": [["name": ingress, "hook": "tc-ingress"]]],
            ["id": "states", "objectPath": "states.o",
             "programs": [["name": states, "hook": "tracepoint", "target": "sock/inet_sock_set_state"]]],
        ], to: directory.path("assignments.json"))
        let arguments = ["--node", node, "--assignments", directory.path("assignments.json"), "--pods", directory.path("pods.json"),
                         "--state-dir", paths.stateDirectory, "--listen", "none", "--interval", "0.2"]
        let log = directory.path("agent.log")

        func liveState(after: Date) async throws -> NodeProbeState {
            try await Support.eventually("both probes live (log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))") {
                guard let state = Support.readState(paths.stateDirectory), state.updated > after, state.probes.count == 2,
                      state.probes.allSatisfy({ $0.state == .live }),
                      state.probes.map(\.attachments.count).reduce(0, +) == 3 else { return nil }
                return state
            }
        }

        process = try Self.start(arguments, log: log)
        let before = try await liveState(after: .distantPast)
        let programsBefore = try Support.programIDs(named: ingress) + Support.programIDs(named: states)
        #expect(programsBefore.count == 2)
        for pod in pods { #expect(try Support.filters(pod, "ingress").count == 1) }

        // SIGKILL: nothing is released; the filters and the pinned link stay.
        #expect(await process!.kill() == .signalled(SIGKILL))
        #expect(try Support.programIDs(named: ingress) + Support.programIDs(named: states) == programsBefore)

        let restarted = Date()
        try await Task.sleep(for: .milliseconds(20))
        process = try Self.start(arguments, log: log)
        let after = try await liveState(after: restarted)
        #expect(try Support.programIDs(named: ingress) + Support.programIDs(named: states) == programsBefore)
        for pod in pods { #expect(try Support.filters(pod, "ingress").count == 1) }
        #expect(after.probes.map(\.attachments) == before.probes.map(\.attachments))
        #expect(after.probes.map(\.maps) == before.probes.map(\.maps))
        let logText = try String(contentsOfFile: log, encoding: .utf8)
        #expect(logText.contains("adopted 2 probe(s), 3 attachment(s); 0 lost"))

        // Remove both probes: nothing stays behind.
        try Support.writeAssignments([], to: directory.path("assignments.json"))
        _ = try await Support.eventually("probes removed") { () -> Bool? in
            Support.readState(paths.stateDirectory)?.probes.isEmpty == true ? true : nil
        }
        for pod in pods { #expect(try Support.filters(pod, "ingress").isEmpty) }
        _ = try await Support.eventually("programs unloaded") { () -> Bool? in
            try (Support.programIDs(named: ingress) + Support.programIDs(named: states)).isEmpty ? true : nil
        }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: paths.pinRoot)) ?? []).isEmpty)

        // SIGTERM stops it gracefully.
        #expect(await process!.terminate(grace: .seconds(20)) == .exited(0))
    }
}
