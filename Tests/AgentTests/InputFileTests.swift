import AeolusModel
import AeolusTesting
import Foundation
import Testing
@testable import Agent

/// The standalone input files: assignments and pods, in YAML and JSON.
@Suite struct InputFileTests {
    @Test func assignmentFileInYAML() throws {
        let directory = try TemporaryDirectory(prefix: "aeolus-agent-input")
        let object: [UInt8] = [1, 2, 3]
        try Data(object).write(to: URL(fileURLWithPath: directory.path("probe.o")))
        try """
        probes:
          - id: policy/default/traffic
            objectPath: probe.o
            programs:
              - {name: count_ingress, hook: tc, direction: ingress}
              - {name: count_egress, hook: tc-egress, attachTo: host}
              - {name: on_state, hook: tracepoint, target: sock/inet_sock_set_state}
            pods: {namespace: default, matchLabels: {app: web}}
            parameters: {dport: "53"}
            load: {rodata: {dport: [0, 53]}, maxEntries: {flows: 64}}
        """.write(toFile: directory.path("assignments.yaml"), atomically: true, encoding: .utf8)
        let assignment = try AssignmentFile(path: directory.path("assignments.yaml"), node: "n1").read(revision: 7)
        #expect(assignment.node == "n1")
        #expect(assignment.revision == 7)
        let probe = try #require(assignment.probes.first)
        #expect(probe.template == "policy/default/traffic")
        #expect(probe.objectPath == directory.path("probe.o"))
        #expect(probe.digest == AgentPaths.digest(of: object))
        #expect(probe.programs.map(\.hook) == [.tcIngress, .tcEgress, .tracepoint])
        #expect(probe.programs[1].attachTo == .host)
        #expect(probe.pods?.matches(namespace: "default", labels: ["app": "web"]) == true)
        #expect(probe.load.rodata["dport"] == [0, 53])
        #expect(probe.load.maxEntries["flows"] == 64)
    }

    @Test func assignmentFileErrorsNameTheProblem() throws {
        let directory = try TemporaryDirectory(prefix: "aeolus-agent-input")
        try #"{"probes": [{"id": "x", "programs": [{"name": "p", "hook": "teleport"}]}]}"#
            .write(toFile: directory.path("a.json"), atomically: true, encoding: .utf8)
        #expect(throws: AgentError.self) { try AssignmentFile(path: directory.path("a.json"), node: "n").read() }
        do { _ = try AssignmentFile(path: directory.path("a.json"), node: "n").read() } catch {
            #expect("\(error)".contains("unknown hook 'teleport'"))
        }
    }

    @Test func podsFileKeepsPodsWhoseNamespaceExists() throws {
        let directory = try TemporaryDirectory(prefix: "aeolus-agent-pods")
        try FileManager.default.createDirectory(atPath: directory.path("netns"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory.path("netns/ns-a"), contents: Data())
        try """
        - {name: a, labels: {app: web}, netns: ns-a, interface: veth0, hostInterface: h0}
        - {name: b, namespace: shop, netns: ns-b}
        """.write(toFile: directory.path("pods.yaml"), atomically: true, encoding: .utf8)
        let inventory = NetnsPodInventory(podsFile: directory.path("pods.yaml"), netnsDirectory: directory.path("netns"))
        let pods = try inventory.pods()
        #expect(pods == [Pod(name: "a", labels: ["app": "web"], netns: directory.path("netns/ns-a"), interface: "veth0", hostInterface: "h0")])
        let all = try NetnsPodInventory(netnsDirectory: directory.path("netns")).pods()
        #expect(all.map(\.name) == ["ns-a"])
        #expect(all.first?.labels == ["name": "ns-a"])
    }

    @Test func metricsRenderInPrometheusFormat() {
        let metrics = AgentMetrics()
        metrics.observeAttach(seconds: 0.0015)
        metrics.countError("attach")
        metrics.setProbes(live: 2, failed: 1)
        let text = metrics.render()
        #expect(text.contains("aeolus_agent_probes{state=\"live\"} 2"))
        #expect(text.contains("aeolus_agent_probes{state=\"failed\"} 1"))
        #expect(text.contains("aeolus_agent_attach_seconds_bucket{le=\"0.002\"} 1"))
        #expect(text.contains("aeolus_agent_attach_seconds_bucket{le=\"0.001\"} 0"))
        #expect(text.contains("aeolus_agent_attach_seconds_count 1"))
        #expect(text.contains("aeolus_agent_errors_total{kind=\"attach\"} 1"))
    }
}
