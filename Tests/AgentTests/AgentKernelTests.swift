import AeolusModel
import AeolusTesting
import BPFKit
import Foundation
import Testing
@testable import Agent

/// The agent against the real kernel, in network namespaces made by each test.
@Suite struct AgentKernelTests {
    /// A tc probe for two of three pods attaches to exactly those two and counts their traffic; a
    /// pod added later gets it; removing the probe leaves no program, filter or pin.
    @Test func attachesToSelectedPodsAndCleansUp() async throws {
        try KernelTest.requireRoot()
        let tag = Support.tag()
        let node = "agent-test-\(tag)"
        let directory = try TemporaryDirectory(prefix: "aeolus-agent-\(tag)")
        let configuration = AgentConfiguration(node: node, stateDirectory: directory.path("state"), interval: .milliseconds(200))
        let (ingress, egress) = ("ag\(tag)i", "ag\(tag)e")
        try await Support.compileTemplate("pod-traffic", renaming: ["count_ingress": ingress, "count_egress": egress],
                                    to: directory.path("pod-traffic.o"))
        let pods = try (0..<4).map { _ in try NetworkNamespace() }
        defer {
            Applier.purge(configuration.paths)
            pods.forEach { $0.close() }
        }
        try Support.writePods([(pods[0], ["app": "web"]), (pods[1], ["app": "web"]), (pods[2], ["app": "db"])],
                              to: directory.path("pods.json"))
        try Support.writeAssignments([[
            "id": "policy/default/pod-traffic", "template": "pod-traffic", "objectPath": "pod-traffic.o",
            "programs": [["name": ingress, "hook": "tc-ingress"], ["name": egress, "hook": "tc-egress"]],
            "pods": ["matchLabels": ["app": "web"]],
        ]], to: directory.path("assignments.json"))
        try await RunningAgent.during(configuration, assignments: directory.path("assignments.json"), pods: directory.path("pods.json")) { _ in

            let state = try await Support.eventually("two pods attached") { () -> ProbeState? in
                guard let probe = Support.readState(configuration.stateDirectory)?.probes.first,
                      probe.state == .live, probe.attachments.count == 4 else { return nil }
                return probe
            }
            #expect(Set(state.attachments.compactMap(\.pod)) == [pods[0].name, pods[1].name])
            for pod in pods[0...1] {
                #expect(try Support.filters(pod, "ingress").count == 1)
                #expect(try Support.filters(pod, "egress").count == 1)
            }
            #expect(try Support.filters(pods[2], "ingress").isEmpty)
            #expect(try Support.programIDs(named: ingress).count == 1)

            // Traffic to each pod is counted on that pod's interface only.
            let packets = try #require(state.maps["traffic"])
            for (index, pod) in pods[0...2].enumerated() { try pod.sendUDP(toPort: 9000, count: 3 + index) }
            func ifindex(_ pod: NetworkNamespace, in state: ProbeState) -> Int? {
                state.attachments.first { $0.pod == pod.name && $0.hook == "tc-ingress" }?.ifindex
            }
            #expect(try Support.udpIngressPackets(mapPath: packets, ifindex: #require(ifindex(pods[0], in: state))) == 3)
            #expect(try Support.udpIngressPackets(mapPath: packets, ifindex: #require(ifindex(pods[1], in: state))) == 4)

            // A pod that appears later gets the probe; its traffic lands in the same maps.
            try Support.writePods([(pods[0], ["app": "web"]), (pods[1], ["app": "web"]), (pods[2], ["app": "db"]),
                                   (pods[3], ["app": "web"])], to: directory.path("pods.json"))
            let later = try await Support.eventually("the late pod attached") { () -> ProbeState? in
                guard let probe = Support.readState(configuration.stateDirectory)?.probes.first, probe.attachments.count == 6 else { return nil }
                return probe
            }
            try pods[3].sendUDP(toPort: 9000, count: 2)
            #expect(try Support.udpIngressPackets(mapPath: packets, ifindex: #require(ifindex(pods[3], in: later))) == 2)
            #expect(later.stats.map { $0.runCount > 0 } == true)

            // A pod that goes away loses its attachment.
            try Support.writePods([(pods[0], ["app": "web"]), (pods[2], ["app": "db"]), (pods[3], ["app": "web"])],
                                  to: directory.path("pods.json"))
            _ = try await Support.eventually("pod 1 detached") { () -> Bool? in
                (Support.readState(configuration.stateDirectory)?.probes.first?.attachments.count == 4) ? true : nil
            }
            #expect(try Support.filters(pods[1], "ingress").isEmpty)

            // Removing the probe leaves no program, filter or pin.
            try Support.writeAssignments([], to: directory.path("assignments.json"))
            _ = try await Support.eventually("the probe removed") { () -> Bool? in
                Support.readState(configuration.stateDirectory)?.probes.isEmpty == true ? true : nil
            }
            for pod in pods {
                #expect(try Support.filters(pod, "ingress").isEmpty)
                #expect(try Support.filters(pod, "egress").isEmpty)
            }
            _ = try await Support.eventually("programs unloaded") { () -> Bool? in
                try Support.programIDs(named: ingress).isEmpty && Support.programIDs(named: egress).isEmpty ? true : nil
            }
            let pins = (try? FileManager.default.contentsOfDirectory(atPath: configuration.paths.pinRoot)) ?? []
            #expect(pins.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: packets))
        }
    }

    /// A probe the verifier rejects is reported failed with the log; the others stay live.
    @Test func rejectedProbeFailsAloneWithTheVerifierLog() async throws {
        try KernelTest.requireRoot()
        let tag = Support.tag()
        let directory = try TemporaryDirectory(prefix: "aeolus-agent-\(tag)")
        let configuration = AgentConfiguration(node: "agent-test-\(tag)", stateDirectory: directory.path("state"),
                                               interval: .milliseconds(200))
        let (ingress, states, broken) = ("ag\(tag)i", "ag\(tag)s", "ag\(tag)x")
        try await Support.compileTemplate("pod-traffic", renaming: ["count_ingress": ingress], to: directory.path("traffic.o"))
        try await Support.compileTemplate("tcp-states", renaming: ["on_set_state": states], to: directory.path("states.o"))
        try await Support.compileRejected(program: broken, to: directory.path("broken.o"))
        let pod = try NetworkNamespace()
        defer {
            Applier.purge(configuration.paths)
            pod.close()
        }
        try Support.writePods([(pod, ["app": "web"])], to: directory.path("pods.json"))
        try Support.writeAssignments([
            ["id": "traffic", "objectPath": "traffic.o", "programs": [["name": ingress, "hook": "tc-ingress"]]],
            ["id": "broken", "objectPath": "broken.o", "programs": [["name": broken, "hook": "tc-ingress"]]],
            ["id": "states", "objectPath": "states.o",
             "programs": [["name": states, "hook": "tracepoint", "target": "sock/inet_sock_set_state"]]],
        ], to: directory.path("assignments.json"))
        try await RunningAgent.during(configuration, assignments: directory.path("assignments.json"), pods: directory.path("pods.json")) { running in
            let state = try await Support.eventually("all three probes reported") { () -> NodeProbeState? in
                guard let state = Support.readState(configuration.stateDirectory), state.probes.count == 3,
                      state.probes.allSatisfy({ $0.state != .pending }), state.probes.contains(where: { $0.state == .failed }) else { return nil }
                return state
            }
            let byID = Dictionary(uniqueKeysWithValues: state.probes.map { ($0.id, $0) })
            let failed = try #require(byID["broken"])
            #expect(failed.state == .failed)
            #expect(failed.reason?.contains("verifier rejected") == true)
            #expect(failed.verifierLog?.isEmpty == false)
            #expect(failed.attachments.isEmpty && failed.maps.isEmpty)
            #expect(byID["traffic"]?.state == .live)
            #expect(byID["traffic"]?.attachments.count == 1)
            #expect(byID["states"]?.state == .live)
            #expect(byID["states"]?.attachments.first?.target == "sock/inet_sock_set_state")
            #expect(try Support.filters(pod, "ingress").count == 1)
            #expect(try Support.programIDs(named: broken).isEmpty)
            #expect(running.agent.metrics.errors["load"] == 1)
        }
    }
}
