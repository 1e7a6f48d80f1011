import AeolusModel
import AeolusTesting
@testable import Dictator
import Foundation
import Testing

/// What keeps one dictator's cost per agent independent of the number of agents: registrations
/// persisted debounced, watches that keep only the newest assignment, a watcher counter, node
/// status files rendered once per change.
@Suite struct FanoutTests {
    static func registration(_ node: String, labels: [String: String] = ["pool": "a"]) -> AgentRegistration {
        AgentRegistration(node: node, labels: labels, kernelVersion: "6.18", hooks: [])
    }

    @Test func debouncedRegistrationsStillRestoreNodesAfterARestart() async throws {
        let directory = try TemporaryDirectory(prefix: "aeolus-fanout-registrations")
        defer { directory.remove() }
        let file = directory.path("agents.json")
        let first = DictatorState(branch: "main", registrationsFile: file)
        await first.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: [Sample.policy("p", template: "t")]))
        for index in 0..<500 { _ = await first.register(Self.registration("n\(index)")) }
        // Not written per registration: at most once a second, off the actor, and with no flush.
        // (The bound is generous: a full test run keeps both cores busy.)
        let written = try await EndToEnd.eventually(60) { FileManager.default.fileExists(atPath: file) }
        #expect(written, "the registrations are written without a flush")
        _ = await first.register(Self.registration("late"))
        await first.closeWatches()  // graceful shutdown writes what is pending

        let second = DictatorState(branch: "main", registrationsFile: file)
        await second.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: [Sample.policy("p", template: "t")]))
        let names = await second.registeredNodes.map(\.name)
        #expect(names.count == 501)
        #expect(names.contains("late") && names.contains("n499"))
        #expect(await second.assignment(node: "n42")?.probes.map(\.id) == ["policy/ns/p"], "a restored node is planned before its agent returns")
    }

    @Test func registrationsAreNotRewrittenForAnUnchangedIdentity() async throws {
        let directory = try TemporaryDirectory(prefix: "aeolus-fanout-unchanged")
        defer { directory.remove() }
        let file = directory.path("agents.json")
        let state = DictatorState(branch: "main", registrationsFile: file)
        _ = await state.register(Self.registration("n1"))
        await state.flushRegistrations()
        try FileManager.default.removeItem(atPath: file)
        _ = await state.register(Self.registration("n1"))
        await state.flushRegistrations()
        #expect(!FileManager.default.fileExists(atPath: file), "the same identity again writes nothing")
        _ = await state.register(Self.registration("n1", labels: ["pool": "b"]))
        await state.flushRegistrations()
        #expect(FileManager.default.fileExists(atPath: file), "new labels are written")
    }

    @Test func aWatchKeepsOnlyTheNewestAssignmentAndHeartbeatsNeverReplaceIt() async throws {
        let watch = AssignmentWatch {}
        let a1 = NodeAssignment(node: "n", revision: 1), a2 = NodeAssignment(node: "n", revision: 2)
        watch.deliver(.assignment(a1))
        watch.deliver(.heartbeat)
        watch.deliver(.assignment(a2))
        watch.deliver(.heartbeat)
        var iterator = watch.makeAsyncIterator()
        #expect(await iterator.next() == .assignment(a2), "a slow watcher gets the newest assignment, not a queue")
        watch.deliver(.heartbeat)
        watch.deliver(.heartbeat)
        #expect(await iterator.next() == .heartbeat)
        // A waiting reader gets the next event at once.
        async let next = iterator.next()
        try await Task.sleep(for: .milliseconds(20))
        watch.deliver(.assignment(a1))
        #expect(await next == .assignment(a1))
        watch.finish()
        var rest = watch.makeAsyncIterator()
        #expect(await rest.next() == nil)
    }

    @Test func theWatcherGaugeCountsOpenWatches() async throws {
        let state = DictatorState(branch: "main")
        await state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: []))
        var watches: [AssignmentWatch] = []
        for index in 0..<10 {
            _ = await state.register(Self.registration("n\(index)"))
            watches.append(try #require(await state.watch(node: "n\(index)", after: nil)))
        }
        #expect(await state.metrics.watchers == 10)
        for watch in watches.prefix(4) { watch.end() }
        let counted = try await EndToEnd.eventually(10) { await state.metrics.watchers == 6 }
        #expect(counted)
        await state.closeWatches()
        #expect(await state.metrics.watchers == 0)
    }

    @Test func cachedNodeFilesEqualFreshlyRenderedOnes() async throws {
        let state = DictatorState(branch: "main")
        await state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: [Sample.policy("p", template: "t")]))
        for index in 0..<3 { _ = await state.register(Self.registration("n\(index)")) }
        let cache = NodeFileCache()
        #expect(try await state.status().files(cache: cache) == (try await state.status().files()))
        _ = await state.report(NodeProbeState(node: "n1", probes: [ProbeState(id: "policy/ns/p", template: "t", digest: "sha256:t-v1", state: .live)]))
        let cached = try await state.status().files(cache: cache)
        #expect(cached == (try await state.status().files()), "a changed node is rendered again")
        #expect(cached[StatusPaths.node("n1")]?.contains("live") == true)
    }
}
