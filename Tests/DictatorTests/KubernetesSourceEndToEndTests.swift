import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import Testing

/// End to end through the `aeolus` binary with `--kubernetes`: the config repository holds the
/// templates only; ProbePolicy resources created in the fake API server become probes in a node's
/// assignment, deleting one removes its probe, a broken one is reported while a good one applies,
/// and each resource's status is written back.
@Suite(.serialized) struct KubernetesSourceEndToEndTests {
    let steps = EndToEnd()
    var client: HTTPClient { steps.client }

    func assignment(_ dictator: DictatorProcess) async throws -> [String] {
        let response = try await client.send(HTTPRequest(url: dictator.url + AgentAPI.assignment(node: "node-k"), timeout: .seconds(5)))
        return (try? JSONDecoder().decode(NodeAssignment.self, from: Data(response.body)))?.probes.map(\.id) ?? []
    }

    func status(_ dictator: DictatorProcess) async throws -> String {
        // JSON escapes "/" as "\/".
        try await client.send(HTTPRequest(url: dictator.url + "/api/v1/status", timeout: .seconds(5))).text
            .replacingOccurrences(of: "\\/", with: "/")
    }

    @Test func probePolicyResourcesJoinAndLeaveTheAssignment() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-kube-e2e")
        defer { temp.remove() }
        let files = try EndToEnd.exampleFiles(["aeolus.yaml", "include/aeolus.h"] + EndToEnd.templatePaths("tcp-retransmits"))
        let (daemon, _) = try await EndToEnd.serve(files, in: temp)
        defer { daemon.stop() }
        let api = try await FakeKubeAPIServer.start()
        try api.writeKubeconfig(to: temp.path("kubeconfig"))

        let dictator = try DictatorProcess(arguments: EndToEnd.dictatorArguments(daemon, in: temp)
                                           + ["--kubernetes", "--kubeconfig", temp.path("kubeconfig")],
                                           logFile: temp.path("dictator.log"))
        defer { dictator.stop() }
        try await steps.waitReady(dictator)
        let registration = AgentRegistration(node: "node-k", labels: ["role": "worker"], kernelVersion: "6.18", hooks: Hook.supported)
        let registered = try await client.send(HTTPRequest(method: .post, url: dictator.url + AgentAPI.agents,
                                                           headers: ["Content-Type": "application/json"],
                                                           body: Array(try JSONEncoder().encode(registration)), timeout: .seconds(5)))
        #expect(registered.status == 200)

        // A good resource and a broken one (a misspelt field): the good one applies.
        try api.create(namespace: "e2e", FakeKubeAPIServer.probePolicy(name: "web", template: "tcp-retransmits",
                                                                       nodeLabels: ["role": "worker"]))
        var broken = FakeKubeAPIServer.probePolicy(name: "broken", template: "tcp-retransmits")
        broken["spec"] = ["templat": "tcp-retransmits"]
        try api.create(namespace: "e2e", broken)
        let joined = await EndToEnd.eventually(60) { (try? await assignment(dictator)) == ["crd/e2e/web"] }
        let afterJoin = try await assignment(dictator)
        #expect(joined, "assignment: \(afterJoin)\n\(dictator.log)")

        // The broken one is reported with its namespace/name and field, in the status and the log.
        let reported = await EndToEnd.eventually(60) {
            let text = (try? await status(dictator)) ?? ""
            return text.contains("crd/e2e/broken") && text.contains("spec.templat")
        }
        let statusText = try await status(dictator)
        #expect(reported, "status: \(statusText)")
        #expect(dictator.log.contains("ProbePolicy skipped") && dictator.log.contains("e2e/broken"))

        // Statuses through the status subresource: the broken one Invalid, the good one waiting
        // for node-k's agent (which never reports in this test).
        let written = await EndToEnd.eventually(60) {
            let good = (try? api.get(namespace: "e2e", name: "web"))?.flatMap { ready($0) }
            let bad = (try? api.get(namespace: "e2e", name: "broken"))?.flatMap { ready($0) }
            return good?["reason"] as? String == "Pending" && (good?["message"] as? String)?.contains("node-k") == true
                && bad?["reason"] as? String == "Invalid" && (bad?["message"] as? String)?.contains("spec.templat") == true
        }
        let web = try api.get(namespace: "e2e", name: "web")
        #expect(written, "web: \(String(describing: web))\n\(dictator.log)")
        #expect((web?["status"] as? [String: Any])?["observedGeneration"] as? Int == 1)

        // Deleting the resource removes its probe.
        try api.delete(namespace: "e2e", name: "web")
        let left = await EndToEnd.eventually(60) { (try? await assignment(dictator)) == [] }
        let afterDelete = try await assignment(dictator)
        #expect(left, "assignment: \(afterDelete)")

        // An unreachable API keeps the last set: a new resource, then an outage.
        try api.create(namespace: "e2e", FakeKubeAPIServer.probePolicy(name: "kept", template: "tcp-retransmits",
                                                                       nodeLabels: ["role": "worker"]))
        #expect(await EndToEnd.eventually(60) { (try? await assignment(dictator)) == ["crd/e2e/kept"] })
        try api.setOutage(true)
        #expect(await EndToEnd.eventually(60) { dictator.log.contains("keeping the last ProbePolicy set") })
        let duringOutage = try await assignment(dictator)
        #expect(duringOutage == ["crd/e2e/kept"])
        try api.setOutage(false)
    }

    /// The Ready condition of an object as the fake server stores it.
    func ready(_ object: [String: Any]) -> [String: Any]? {
        ((object["status"] as? [String: Any])?["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Ready" }
    }
}
