import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import Testing

/// Per-node and collector tokens against a real `aeolus dictator`, minted with `aeolus token`
/// from the dictator's secret: each node reaches only its own assignment, watch, state and
/// objects; a collector only remote-writes; the secret still reaches everything.
@Suite(.serialized) struct NodeTokenEndToEndTests {
    let steps = EndToEnd()

    /// `aeolus token arguments... --token-file <secret>`'s output.
    static func mint(_ arguments: [String], secret: String) async throws -> String {
        let output = try await AeolusBinary.run(["token"] + arguments + ["--token-file", secret])
        #expect(output.status == 0, "\(output.standardError)")
        return output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func send(_ url: String, method: HTTPRequest.Method = .get, token: String?, json: (some Encodable)? = nil as String?) async throws -> HTTPResponse {
        let body = try json.map { Array(try NodeProbeState.makeEncoder().encode($0)) } ?? []
        return try await HTTPClient(bearerToken: token).send(HTTPRequest(
            method: method, url: url, headers: json == nil ? [:] : ["Content-Type": "application/json"], body: body, timeout: .seconds(10)))
    }

    @Test func eachNodeTokenReachesOnlyItsNodeAndACollectorTokenOnlyRemoteWrites() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-tokens-e2e")
        defer { temp.remove() }
        var files = try DictatorEndToEndTests.seedFiles()
        files["policies/workers.yaml"] = EndToEnd.policy("retransmits", template: "tcp-retransmits")
        let (daemon, _) = try await EndToEnd.serve(files, in: temp)
        defer { daemon.stop() }
        let dictator = try DictatorProcess(arguments: EndToEnd.dictatorArguments(daemon, in: temp), logFile: temp.path("dictator.log"))
        defer { dictator.stop() }
        try await steps.waitReady(dictator)

        let secretFile = temp.path("token")
        let secret = "agent-token"
        let tokenA = try await Self.mint(["--node", "node-a"], secret: secretFile)
        let tokenB = try await Self.mint(["--node", "node-b"], secret: secretFile)
        let collector = try await Self.mint(["--collector"], secret: secretFile)
        #expect(tokenA.hasPrefix("aeolus.v1.node.node-a.") && collector.hasPrefix("aeolus.v1.collector."))
        let bad = try await AeolusBinary.run(["token", "--node", "a/b", "--token-file", secretFile])
        #expect(bad.status != 0 && bad.standardError.contains("'/'"))

        // An agent given another node's token says so at start.
        try (tokenB + "\n").write(toFile: temp.path("token-b"), atomically: true, encoding: .utf8)
        let wrong = try await AeolusBinary.run(["agent", "--node", "node-a", "--dictator", dictator.url, "--token-file", temp.path("token-b"),
                                                "--state-dir", temp.path("agent"), "--listen", "none"])
        #expect(wrong.status != 0 && wrong.standardError.contains("node \"node-b\"'s token"), "\(wrong.standardError)")

        // Node A is no worker (nothing assigned), node B is (the retransmits probe).
        let url = dictator.url
        let registrationA = AgentRegistration(node: "node-a", labels: ["role": "idle"], kernelVersion: "6.18", hooks: Hook.supported)
        let registrationB = AgentRegistration(node: "node-b", labels: ["role": "worker"], kernelVersion: "6.18", hooks: Hook.supported)
        #expect(try await send(url + AgentAPI.agents, method: .post, token: tokenA, json: registrationB).status == 403,
                "A cannot register as B")
        #expect(try await send(url + AgentAPI.agents, method: .post, token: collector, json: registrationA).status == 403,
                "a collector cannot register an agent")
        #expect(try await send(url + AgentAPI.agents, method: .post, token: nil, json: registrationA).status == 401)
        #expect(try await send(url + AgentAPI.agents, method: .post, token: tokenA, json: registrationA).status == 200)
        let registeredB = try await send(url + AgentAPI.agents, method: .post, token: tokenB, json: registrationB)
        #expect(registeredB.status == 200)
        let assignmentB = try JSONDecoder().decode(NodeAssignment.self, from: Data(registeredB.body))
        let digest = try #require(assignmentB.probes.first?.digest, "node B is assigned the retransmits probe:\n\(dictator.log)")

        // A's token on B's routes: 403; on its own: 200.
        let assignmentOfB = url + AgentAPI.assignment(node: "node-b")
        #expect(try await send(assignmentOfB, token: tokenA).status == 403)
        #expect(try await send(assignmentOfB + "?watch=1&revision=\(assignmentB.revision)", token: tokenA).status == 403)
        let stateB = NodeProbeState(node: "node-b", updated: Date(), probes: [])
        #expect(try await send(url + AgentAPI.state(node: "node-b"), method: .put, token: tokenA, json: stateB).status == 403)
        #expect(try await send(url + AgentAPI.object(digest: digest), token: tokenA).status == 403,
                "B's assignment names the object, A's does not")
        #expect(try await send(url + AgentAPI.assignment(node: "node-a"), token: tokenA).status == 200)
        let stateA = NodeProbeState(node: "node-a", updated: Date(), probes: [])
        #expect(try await send(url + AgentAPI.state(node: "node-a"), method: .put, token: tokenA, json: stateA).status == 204)

        // B's own token reaches B's object and state; a collector's does not.
        let object = try await send(url + AgentAPI.object(digest: digest), token: tokenB)
        #expect(object.status == 200 && object.body.starts(with: [0x7f, 0x45, 0x4c, 0x46]), "an ELF object")
        #expect(try await send(url + AgentAPI.state(node: "node-b"), method: .put, token: tokenB, json: stateB).status == 204)
        #expect(try await send(url + AgentAPI.object(digest: digest), token: collector).status == 403)
        #expect(try await send(assignmentOfB, token: collector).status == 403)

        // No token, or a garbled one: 401 on every route under /api/v1/.
        for path in [AgentAPI.assignment(node: "node-a"), AgentAPI.object(digest: digest), "/api/v1/status"] {
            #expect(try await send(url + path, token: nil).status == 401, "\(path)")
            #expect(try await send(url + path, token: tokenA.replacingOccurrences(of: "node-a", with: "node-b")).status == 401, "\(path)")
        }

        // Remote write: the collector's token, not a node's.
        let events = try ReactionAndStatusPageTests.retransmits(1, at: Date(), node: "node-b")
        let writer = ReactionAndStatusPageTests()
        #expect(try await writer.write(url, events, token: collector).status == 204)
        #expect(try await writer.write(url, events, token: tokenB).status == 403)
        #expect(try await writer.write(url, events, token: nil).status == 401)

        // The secret reaches everything, `aeolus status` included; node tokens do not read the status.
        #expect(try await send(assignmentOfB, token: secret).status == 200)
        #expect(try await send(url + AgentAPI.object(digest: digest), token: secret).status == 200)
        #expect(try await writer.write(url, events, token: secret).status == 204)
        #expect(try await send(url + "/api/v1/status", token: tokenA).status == 403)
        let status = try await AeolusBinary.run(["status", "--dictator", url, "--token-file", secretFile])
        #expect(status.status == 0 && status.standardOutput.contains("node-b"), "\(status.standardError)")
    }

    /// In a cluster (`--kubernetes --agent-service-account`): an agent's projected
    /// service-account token, checked by a TokenReview on the (fake) API server, proves the node
    /// its pod runs on; tokens of other service accounts, of another audience or of a pod that is
    /// gone prove nothing.
    @Test func inAClusterTheAgentsServiceAccountTokenProvesItsPodsNode() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-tokenreview-e2e")
        defer { temp.remove() }
        let (daemon, _) = try await EndToEnd.serve(try DictatorEndToEndTests.seedFiles(), in: temp)
        defer { daemon.stop() }
        let api = try await FakeKubeAPIServer.start()
        try api.writeKubeconfig(to: temp.path("kubeconfig"))
        try api.create(.pods, namespace: "aeolus-system", FakeKubeAPIServer.pod(name: "aeolus-node-k", namespace: "aeolus-system", node: "node-k"))
        try api.create(.pods, namespace: "shop", FakeKubeAPIServer.pod(name: "web-1", namespace: "shop", node: "node-k"))
        try api.addServiceAccountToken("sa-agent-k", namespace: "aeolus-system", serviceAccount: "aeolus-node", pod: "aeolus-node-k",
                                       audiences: ["aeolus"])
        try api.addServiceAccountToken("sa-agent-k-api", namespace: "aeolus-system", serviceAccount: "aeolus-node", pod: "aeolus-node-k",
                                       audiences: ["https://kubernetes.default.svc.cluster.local"])
        try api.addServiceAccountToken("sa-web", namespace: "shop", serviceAccount: "default", pod: "web-1", audiences: ["aeolus"])
        try api.addServiceAccountToken("sa-gone", namespace: "aeolus-system", serviceAccount: "aeolus-node", pod: "aeolus-node-gone",
                                       audiences: ["aeolus"])

        let dictator = try DictatorProcess(arguments: EndToEnd.dictatorArguments(daemon, in: temp)
                                           + ["--kubernetes", "--kubeconfig", temp.path("kubeconfig"),
                                              "--agent-service-account", "aeolus-system:aeolus-node"],
                                           logFile: temp.path("dictator.log"))
        defer { dictator.stop() }
        try await steps.waitReady(dictator)
        let url = dictator.url
        let nodeK = AgentRegistration(node: "node-k", labels: ["role": "worker"], kernelVersion: "6.18", hooks: Hook.supported)
        let nodeL = AgentRegistration(node: "node-l", labels: ["role": "worker"], kernelVersion: "6.18", hooks: Hook.supported)

        #expect(try await send(url + AgentAPI.agents, method: .post, token: "sa-agent-k", json: nodeK).status == 200, "\(dictator.log)")
        #expect(try await send(url + AgentAPI.agents, method: .post, token: "sa-agent-k", json: nodeL).status == 403)
        #expect(try await send(url + AgentAPI.assignment(node: "node-k"), token: "sa-agent-k").status == 200)
        #expect(try await send(url + AgentAPI.assignment(node: "node-l"), token: "sa-agent-k").status == 403)
        #expect(try await send(url + "/api/v1/status", token: "sa-agent-k").status == 403)
        for token in ["sa-agent-k-api", "sa-web", "sa-gone", "not-a-token"] {
            #expect(try await send(url + AgentAPI.assignment(node: "node-k"), token: token).status == 401, "\(token)")
        }
        // The dictator asked the API server, once for the repeated token (its answer is reused).
        let reviews = try api.requests().filter { $0.path == "/apis/authentication.k8s.io/v1/tokenreviews" }
        #expect(reviews.count == 5, "\(reviews)")
        // The secret and derived tokens still work beside it.
        let tokenL = try await Self.mint(["--node", "node-l"], secret: temp.path("token"))
        #expect(try await send(url + AgentAPI.agents, method: .post, token: tokenL, json: nodeL).status == 200)
        #expect(try await send(url + "/api/v1/status", token: "agent-token").status == 200)
    }
}
