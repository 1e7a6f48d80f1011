import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import Testing

/// End to end through the `aeolus` binary with two dictators and `--leader-elect`: the first
/// leads and reconciles, the second stands by (healthy, leader 0, refusing agents); the leader
/// releases the Lease on SIGTERM and the stand-by takes over; a leader that finds its Lease held
/// by another exits with code 1.
@Suite(.serialized) struct LeaderElectionEndToEndTests {
    let steps = EndToEnd()
    var client: HTTPClient { steps.client }

    func get(_ dictator: DictatorProcess, _ path: String) async -> (status: Int, text: String) {
        guard let response = try? await client.send(HTTPRequest(url: dictator.url + path, timeout: .seconds(5))) else { return (0, "") }
        return (response.status, response.text)
    }

    func leaderGauge(_ dictator: DictatorProcess) async -> String? {
        await get(dictator, "/metrics").text.split(separator: "\n").first { $0.hasPrefix("aeolus_dictator_leader ") }
            .map { String($0.dropFirst("aeolus_dictator_leader ".count)) }
    }

    func holder(_ api: FakeKubeAPIServer) -> String {
        ((try? api.lease(namespace: "e2e", name: "aeolus-dictator"))??["spec"] as? [String: Any])?["holderIdentity"] as? String ?? ""
    }

    @Test func aStandByTakesOverWhenTheLeaderStopsAndALeaderThatLosesItsLeaseExits() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-leader-e2e")
        defer { temp.remove() }
        let files = try EndToEnd.exampleFiles(["aeolus.yaml", "include/aeolus.h"] + EndToEnd.templatePaths("tcp-retransmits"))
        let (daemon, _) = try await EndToEnd.serve(files, in: temp)
        defer { daemon.stop() }
        let api = try await FakeKubeAPIServer.start()
        try api.writeKubeconfig(to: temp.path("kubeconfig"), namespace: "e2e")
        func start(_ name: String) throws -> DictatorProcess {
            let arguments = EndToEnd.dictatorArguments(daemon, in: temp).map { $0 == temp.path("workdir") ? temp.path("workdir-\(name)") : $0 }
            return try DictatorProcess(arguments: arguments + ["--kubernetes", "--kubeconfig", temp.path("kubeconfig"), "--leader-elect"],
                                       logFile: temp.path("\(name).log"))
        }

        let first = try start("first")
        defer { first.stop() }
        try await steps.waitReady(first)
        #expect(await leaderGauge(first) == "1")
        let firstHolder = holder(api)
        #expect(!firstHolder.isEmpty)

        let second = try start("second")
        defer { second.stop() }
        let standingBy = await EndToEnd.eventually(60) { await leaderGauge(second) == "0" }
        #expect(standingBy, "second:\n\(second.log)")
        #expect(await get(second, "/healthz").status == 200)
        #expect(await get(second, "/readyz").status == 503)
        #expect(await get(second, AgentAPI.assignment(node: "node-x")).status == 503)
        #expect(holder(api) == firstHolder)

        // A graceful stop releases the Lease: the stand-by leads and reconciles.
        #expect(first.stop() == 0)
        try await steps.waitReady(second)
        #expect(await leaderGauge(second) == "1")
        let secondHolder = holder(api)
        #expect(!secondHolder.isEmpty && secondHolder != firstHolder)
        #expect(first.log.contains("released the lease"), "first:\n\(first.log)")

        // Another holder takes the Lease: the leader steps down and exits non-zero.
        try api.setLease(namespace: "e2e", name: "aeolus-dictator", spec: [
            "holderIdentity": "usurper", "leaseDurationSeconds": 600, "leaseTransitions": 7,
            "renewTime": ISO8601DateFormatter().string(from: Date()),
        ])
        let exited = await EndToEnd.eventually(60) { !second.isRunning }
        #expect(exited, "second:\n\(second.log)")
        #expect(second.stop() == 1)
        #expect(second.log.contains("lost the leader-election lease"), "second:\n\(second.log)")
        #expect(holder(api) == "usurper")
    }
}
