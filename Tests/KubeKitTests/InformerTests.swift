import AeolusModel
import AeolusTesting
import Foundation
@testable import KubeKit
import Testing

/// The informer against the fake API server: list, watch, resume, relist, outage.
@Suite struct InformerTests {
    /// Collects what an informer reports.
    actor Recorder {
        var sets: [[String]] = []
        var failures: [KubeError] = []

        func record(_ update: InformerUpdate) {
            switch update {
            case .synced(let objects, _): sets.append(objects.map { "\($0.key)=\($0.json["spec"]?["template"]?.string ?? "")" })
            case .failed(let error, _): failures.append(error)
            }
        }

        var last: [String]? { sets.last }

        func waitFor(_ what: String, timeout: Duration = .seconds(60), _ condition: @Sendable (Recorder) async -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if await condition(self) { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("timed out waiting for \(what); sets \(sets), failures \(failures)")
            throw CancellationError()
        }
    }

    static func start(_ server: FakeKubeAPIServer, recorder: Recorder) -> Task<Void, Never> {
        var informer = Informer(client: KubeClient(config: KubeConfig(server: server.url, credentials: .token(server.token))),
                                resource: .probePolicies())
        informer.backoff = Backoff(base: .milliseconds(100), cap: .milliseconds(400))
        return Task { await informer.run { await recorder.record($0) } }
    }

    @Test func followsCreateUpdateDeleteWithTheFullSet() async throws {
        let server = try await FakeKubeAPIServer.start()
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "one", template: "t"))
        let recorder = Recorder()
        let task = Self.start(server, recorder: recorder)
        defer { task.cancel() }
        try await recorder.waitFor("the list") { await $0.last == ["a/one=t"] }
        try server.create(namespace: "b", FakeKubeAPIServer.probePolicy(name: "two", template: "t"))
        try await recorder.waitFor("the addition") { await $0.last == ["a/one=t", "b/two=t"] }
        try server.update(namespace: "a", name: "one", FakeKubeAPIServer.probePolicy(name: "one", template: "u"))
        try await recorder.waitFor("the update") { await $0.last == ["a/one=u", "b/two=t"] }
        try server.delete(namespace: "b", name: "two")
        try await recorder.waitFor("the deletion") { await $0.last == ["a/one=u"] }
        // One list; every change came through the watch.
        #expect(try server.requests().filter { $0.method == "GET" && $0.query["watch"] == nil }.count == 1)
    }

    @Test func aClosedWatchResumesFromTheLastBookmarkWithoutListing() async throws {
        let server = try await FakeKubeAPIServer.start(bookmarkInterval: 0.2)
        let recorder = Recorder()
        let task = Self.start(server, recorder: recorder)
        defer { task.cancel() }
        try await recorder.waitFor("the empty list") { await $0.last == [] }
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "one", template: "t"))
        try await recorder.waitFor("the addition") { await $0.last == ["a/one=t"] }
        try await Task.sleep(for: .milliseconds(600))
        let version = try server.resourceVersion()
        try server.closeWatches()
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "two", template: "t"))
        try await recorder.waitFor("the addition after the resumed watch") { await $0.last == ["a/one=t", "a/two=t"] }
        let requests = try server.requests()
        #expect(requests.filter { $0.query["watch"] == nil }.count == 1)
        #expect(requests.filter { $0.query["watch"] != nil }.last?.query["resourceVersion"] == version)
    }

    @Test func anOutageKeepsTheLastSetAndListsAgainAfter() async throws {
        let server = try await FakeKubeAPIServer.start()
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "one", template: "t"))
        let recorder = Recorder()
        let task = Self.start(server, recorder: recorder)
        defer { task.cancel() }
        try await recorder.waitFor("the list") { await $0.last == ["a/one=t"] }
        // Changes the client misses while it is away, then history it can no longer watch from.
        try server.setOutage(true)
        try server.delete(namespace: "a", name: "one")
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "two", template: "t"))
        try server.compact()
        try await recorder.waitFor("a failure") { await !$0.failures.isEmpty }
        #expect(await recorder.last == ["a/one=t"], "the last known set stands while the server is unreachable")
        try server.setOutage(false)
        try await recorder.waitFor("the relist") { await $0.last == ["a/two=t"] }
        #expect(try server.requests().filter { $0.query["watch"] == nil && $0.method == "GET" }.count >= 2)
        #expect(await !recorder.sets.contains([]), "never an empty set in between")
    }

    @Test func aWatchFromACompactedVersionGets410AndRelists() async throws {
        let server = try await FakeKubeAPIServer.start(bookmarkInterval: 3600)
        let recorder = Recorder()
        let task = Self.start(server, recorder: recorder)
        defer { task.cancel() }
        try await recorder.waitFor("the list") { await $0.last == [] }
        let listed = try server.resourceVersion()
        // The first watch is open (on a loaded machine it may reach the server only now).
        let deadline = ContinuousClock.now + .seconds(60)
        while try !server.requests().contains(where: { $0.query["watch"] != nil }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // The watch ends; before the informer watches again, changes happen and the history is
        // compacted: the new watch from the listed version gets 410 Expired.
        try server.holdWatches(true)
        try server.closeWatches()
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "one", template: "t"))
        try server.compact()
        try server.holdWatches(false)
        try await recorder.waitFor("the relist") { await $0.last == ["a/one=t"] }
        let requests = try server.requests()
        #expect(requests.filter { $0.query["watch"] != nil }.map { $0.query["resourceVersion"] }.prefix(2) == [listed, listed])
        #expect(requests.filter { $0.query["watch"] == nil }.count == 2)
        #expect(await recorder.failures.isEmpty, "a first 410 is routine, not a failure")
    }
}
