import AeolusModel
import CurlKit
@testable import Dictator
import Foundation
import Testing

/// Reads NDJSON watch lines with a deadline per line.
struct WatchReader {
    var iterator: HTTPLineSequence<HTTPBodyStream>.AsyncIterator

    /// The next line (empty for a heartbeat), or nil at the end of the stream.
    mutating func next() async throws -> String? {
        try await iterator.next().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The next assignment, skipping heartbeats.
    mutating func nextAssignment() async throws -> NodeAssignment? {
        while let line = try await next() {
            if line.isEmpty { continue }
            return try JSONDecoder().decode(NodeAssignment.self, from: Data(line.utf8))
        }
        return nil
    }
}

@Suite struct AgentAPITests {
    static let registration = AgentRegistration(node: "n1", labels: ["pool": "web"], kernelVersion: "6.18", hooks: [.tracepoint])

    func watch(_ server: LiveServer, after revision: Int64?) async throws -> WatchReader {
        let query = revision.map { "&revision=\($0)" } ?? ""
        let (head, lines) = try await server.client.lines(HTTPRequest(url: server.base + AgentAPI.assignment(node: "n1") + "?watch=1" + query))
        #expect(head.status == 200)
        return WatchReader(iterator: lines.makeAsyncIterator())
    }

    @Test func registerWatchResumeReportAndObjects() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        await server.state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")],
                                                policies: [Sample.policy("a", template: "t", nodes: ["pool": "web"])]))

        // Auth.
        #expect(try await server.get(AgentAPI.assignment(node: "n1"), token: "wrong").status == 401)
        // Unknown node.
        #expect(try await server.get(AgentAPI.assignment(node: "n1")).status == 404)

        let registered = try await server.send(.post, AgentAPI.agents, json: Self.registration)
        #expect(registered.status == 200)
        let first = try JSONDecoder().decode(NodeAssignment.self, from: Data(registered.body))
        #expect(first.probes.map(\.id) == ["policy/ns/a"])

        // Object by digest.
        let object = try await server.get(AgentAPI.object(digest: first.probes[0].digest))
        #expect(object.status == 200 && object.body == Array("t-v1".utf8))
        #expect(try await server.get(AgentAPI.object(digest: "sha256:nope")).status == 404)

        // Watching from the current revision sends nothing but heartbeats until a change.
        var reader = try await watch(server, after: first.revision)
        #expect(try await reader.next() == "", "a heartbeat line comes first")
        await server.state.apply(Sample.outcome(revision: "r2", templates: [Sample.object("t")],
                                                policies: [Sample.policy("a", template: "t", nodes: ["pool": "web"]),
                                                           Sample.policy("b", template: "t")]))
        let second = try #require(try await reader.nextAssignment())
        #expect(second.revision > first.revision)
        #expect(second.probes.map(\.id) == ["policy/ns/a", "policy/ns/b"])

        // A reconnect from the first revision gets the newest at once, exactly once.
        var resumed = try await watch(server, after: first.revision)
        #expect(try await resumed.nextAssignment() == second)
        // A reconnect from the newest gets nothing until the next change, and then only that.
        var current = try await watch(server, after: second.revision)
        await server.state.apply(Sample.outcome(revision: "r3", templates: [Sample.object("t")],
                                                policies: [Sample.policy("b", template: "t")]))
        let third = try #require(try await current.nextAssignment())
        #expect(third.probes.map(\.id) == ["policy/ns/b"])
        #expect(try await resumed.nextAssignment() == third, "the older watcher gets the change too, not a repeat")

        // A report.
        let report = NodeProbeState(node: "n1", probes: [ProbeState(id: "policy/ns/b", template: "t", digest: third.probes[0].digest, state: .live)])
        #expect(try await server.send(.put, AgentAPI.state(node: "n1"), json: report).status == 204)
        let status = try NodeProbeState.makeDecoder().decode(DictatorStatus.self, from: Data(try await server.get("/api/v1/status").body))
        #expect(status.nodes.first?.probes.first?.state == "live")
        #expect(status.summary.revision == "r3")

        let metrics = String(decoding: try await server.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains("aeolus_dictator_probes_live{node=\"n1\"} 1"))
        await server.stop()
    }

    /// Before a revision is reconciled the desired state is empty: an agent is told to retry, not
    /// handed an empty assignment that would remove its probes.
    @Test func assignmentsWaitForAReconciledRevision() async throws {
        let server = try await LiveServer()
        let early = try await server.send(.post, AgentAPI.agents, json: Self.registration)
        #expect(early.status == 503)
        #expect(early.text.contains("no revision"))
        await server.state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: []))
        #expect(try await server.send(.post, AgentAPI.agents, json: Self.registration).status == 200)
        await server.stop()
    }

    /// Node names and labels Kubernetes would refuse never reach the state, the status branch or
    /// `/metrics`: 400 naming the field.
    @Test func namesAndLabelsKubernetesWouldRefuseAreBadRequests() async throws {
        let server = try await LiveServer()
        await server.state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: []))
        for node in ["Node-A", "a\r\nb", "a\u{0}b", String(repeating: "n", count: 10_000), "_.", "a/b"] {
            let response = try await server.send(.post, AgentAPI.agents,
                                                 json: AgentRegistration(node: node, kernelVersion: "6.18", hooks: []))
            #expect(response.status == 400 && response.text.contains("node:"), "\(KubernetesNames.quoted(node)): \(response.text)")
        }
        let manyLabels = Dictionary(uniqueKeysWithValues: (0..<100_000).map { ("l\($0)", "v") })
        let crowded = try await server.send(.post, AgentAPI.agents,
                                            json: AgentRegistration(node: "n2", labels: manyLabels, kernelVersion: "6.18", hooks: []))
        #expect(crowded.status == 400 && crowded.text.contains("labels:"), "\(crowded.text.prefix(200))")
        let longValue = try await server.send(.post, AgentAPI.agents,
                                              json: AgentRegistration(node: "n2", labels: ["zone": String(repeating: "z", count: 5 << 20)],
                                                                      kernelVersion: "6.18", hooks: []))
        #expect(longValue.status == 400 || longValue.status == 413, "\(longValue.status)")
        #expect(await server.state.registeredNodes.isEmpty, "nothing registered")
        let path = try await server.get("/api/v1/nodes/Bad%0ANode/assignment")
        #expect(path.status == 400, "\(path.text)")
        await server.stop()
    }

    @Test func silentAgentsAreMarkedLost() async throws {
        // Lost after 5 s of silence: long enough that the report below is never older than that
        // by the time it is checked, even on a machine a full test run keeps busy.
        let server = try await LiveServer(heartbeat: .milliseconds(50), lostAfter: .seconds(5))
        await server.state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: []))
        #expect(try await server.send(.post, AgentAPI.agents, json: Self.registration).status == 200)
        let lost = try await EndToEnd.eventually(60) {
            let status = try NodeProbeState.makeDecoder().decode(DictatorStatus.self, from: Data(try await server.get("/api/v1/status").body))
            return status.lostNodes == ["n1"]
        }
        #expect(lost, "a silent agent is marked lost")
        _ = try await server.send(.put, AgentAPI.state(node: "n1"), json: NodeProbeState(node: "n1"))
        #expect(await server.state.isLost(node: "n1") == false)
        await server.stop()
    }
}
