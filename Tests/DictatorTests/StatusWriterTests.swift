import AeolusModel
import AeolusTesting
@testable import Dictator
import Foundation
import GitKit
import Logging
import Testing

@Suite struct StatusWriterTests {
    @Test func commitsOnlyChangesAndRecreatesOnTopOfOthers() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-status-writer")
        defer { temp.remove() }
        let bare = temp.path("config.git")
        let mainTip = try await Git.makeBareRepository(at: bare, files: ["README": "config\n"])
        let remote = GitRemote(url: "file://" + bare, branch: "main", statusBranch: "aeolus/status")
        let repository = try await remote.openClone(at: temp.path("clone.git"))
        let state = DictatorState(branch: "main")
        let writer = try StatusWriter(remote: remote, repository: repository, state: state, logger: Logger(label: "test"))

        // Nothing before the first revision.
        #expect(await writer.writeWithRetries() == nil)

        await state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: [],
                                         errors: ["t": TemplateErrors(template: "t", revision: "r1", condition: .stale, lastGoodRevision: "r0",
                                                                      errors: [Diagnostic(at: SourceLocation(file: "templates/t/probe.bpf.c", line: 7, column: 3), "boom")])]))
        let first = try #require(await writer.writeWithRetries())
        #expect(try await Git.run(["--git-dir", bare, "rev-parse", "aeolus/status"]) == first.hex)
        #expect(try await Git.run(["--git-dir", bare, "log", "-1", "--format=%s", "aeolus/status"]) == "status: reconciled r1 (commit r1)")
        let errors = try await Git.run(["--git-dir", bare, "show", "aeolus/status:status/errors/t.yaml"])
        #expect(errors.contains("line: 7") && errors.contains("condition: stale"))

        // Same content: no commit.
        #expect(await writer.writeWithRetries() == nil)

        // Someone else commits to the status branch: the next write lands on top of it.
        let other = temp.path("other")
        try await Git.run(["clone", "--quiet", "--branch", "aeolus/status", bare, other])
        try await Git.commit(in: other, files: ["status/notes.md": "hand-written\n"], message: "someone else")
        try await Git.run(["-C", other, "push", "--quiet", "origin", "HEAD:refs/heads/aeolus/status"])
        _ = await state.register(AgentRegistration(node: "n1", kernelVersion: "6.18", hooks: []))
        let second = try #require(await writer.writeWithRetries())
        let parents = try await Git.run(["--git-dir", bare, "log", "-1", "--format=%P", second.hex])
        #expect(parents == (try await Git.run(["--git-dir", bare, "rev-parse", "aeolus/status~1"])))
        #expect(try await Git.run(["--git-dir", bare, "log", "-1", "--format=%s", "aeolus/status~1"]) == "someone else")
        #expect(try await Git.run(["--git-dir", bare, "show", "aeolus/status:status/nodes/n1.yaml"]).contains("node: n1"))
        // The files the writer does not own under status/ are removed (status is level-based).
        #expect((try? await Git.run(["--git-dir", bare, "show", "aeolus/status:status/notes.md"])) == nil)
        // The watched branch is never written.
        #expect(try await Git.run(["--git-dir", bare, "rev-parse", "main"]) == mainTip)
    }

    /// A restarted dictator (fresh state, fresh clone) carries the last status commit's nodes
    /// over: nothing is committed until something really changes, and a node whose agent never
    /// comes back is lost only after the usual timeout.
    @Test func restartCarriesNodeStatusOver() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-status-restart")
        defer { temp.remove() }
        let bare = temp.path("config.git")
        try await Git.makeBareRepository(at: bare, files: ["README": "config\n"])
        let remote = GitRemote(url: "file://" + bare, branch: "main", statusBranch: "aeolus/status")
        let outcome = Sample.outcome(revision: "r1", templates: [Sample.object("t")],
                                     policies: [Sample.policy("up", template: "t"), Sample.policy("broken", template: "t", parameters: ["port": "7"]),
                                                Sample.policy("new", template: "t", parameters: ["port": "8"])])
        let registration = AgentRegistration(node: "n1", labels: ["role": "worker"], kernelVersion: "6.18", hooks: Hook.supported)
        func report(_ state: DictatorState) async -> Bool {
            await state.report(NodeProbeState(node: "n1", probes: [
                ProbeState(id: "policy/ns/up", template: "t", digest: "sha256:t-v1", state: .live),
                ProbeState(id: "policy/ns/broken", template: "t", digest: "sha256:t-v1", state: .failed, reason: "verifier said no"),
                ProbeState(id: "policy/ns/new", template: "t", digest: "sha256:t-v0", state: .live),
            ]))
        }

        let first = DictatorState(branch: "main")
        await first.apply(outcome)
        _ = await first.register(registration)
        #expect(await report(first))
        let writer = try StatusWriter(remote: remote, repository: try await remote.openClone(at: temp.path("first.git")),
                                      state: first, logger: Logger(label: "test"))
        _ = try #require(await writer.writeWithRetries())
        let before = try await Git.run(["--git-dir", bare, "show", "aeolus/status:status/nodes/n1.yaml"])
        #expect(before.contains("state: live") && before.contains("state: failed") && before.contains("state: pending"))

        let second = DictatorState(branch: "main")
        let restarted = try StatusWriter(remote: remote, repository: try await remote.openClone(at: temp.path("second.git")),
                                         state: second, logger: Logger(label: "test"))
        let started = Date()
        await second.restore(nodes: restarted.recorded().nodes, now: started)
        await second.apply(outcome)
        #expect(await second.status().nodes == first.status().nodes)
        #expect(await restarted.writeWithRetries() == nil, "the same status: no commit")
        #expect(await second.markLost(timeout: .seconds(90), now: started.addingTimeInterval(60)).isEmpty)

        // The agent registers and reports again: still nothing to commit.
        _ = await second.register(registration)
        #expect(await report(second))
        #expect(await restarted.writeWithRetries() == nil)

        // A node that never comes back is lost after the timeout, its last known probes kept.
        let third = DictatorState(branch: "main")
        await third.restore(nodes: restarted.recorded().nodes, now: started)
        await third.apply(outcome)
        #expect(await third.markLost(timeout: .seconds(90), now: started.addingTimeInterval(91)) == ["n1"])
        #expect(await third.status().nodes.first?.probes == first.status().nodes.first?.probes)
    }

    @Test func writesOnTopOfAStatusBranchCreatedElsewhere() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-status-race")
        defer { temp.remove() }
        let bare = temp.path("config.git")
        try await Git.makeBareRepository(at: bare, files: ["README": "config\n"])
        let remote = GitRemote(url: "file://" + bare, branch: "main", statusBranch: "aeolus/status")
        let repository = try await remote.openClone(at: temp.path("clone.git"))
        let state = DictatorState(branch: "main")
        await state.apply(Sample.outcome(revision: "r1", templates: [], policies: []))
        // Another writer created the status branch after the clone: the writer fetches before
        // committing, so its commit sits on top. (A push lost between fetch and push is retried
        // from the fetch by `writeWithRetries`; that race is not forced here.)
        let other = temp.path("other")
        try await Git.run(["clone", "--quiet", bare, other])
        try await Git.run(["-C", other, "checkout", "--quiet", "-b", "aeolus/status"])
        try await Git.commit(in: other, files: ["status/x": "1\n"], message: "first writer")
        try await Git.run(["-C", other, "push", "--quiet", "origin", "aeolus/status"])
        let commit = try #require(await StatusWriter(remote: remote, repository: repository, state: state,
                                                     logger: Logger(label: "test")).writeWithRetries())
        #expect(try await Git.run(["--git-dir", bare, "rev-parse", "aeolus/status"]) == commit.hex)
        #expect(try await Git.run(["--git-dir", bare, "log", "-1", "--format=%s", "aeolus/status~1"]) == "first writer")
    }

    @Test func refusesToWriteTheWatchedBranch() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-status-refuse")
        defer { temp.remove() }
        let repository = try Repository.create(at: temp.path("r.git"), bare: true)
        #expect(throws: StatusWriter.Misconfigured.self) {
            try StatusWriter(remote: GitRemote(url: "file:///nowhere", branch: "main", statusBranch: "main"),
                             repository: repository, state: DictatorState(branch: "main"), logger: Logger(label: "test"))
        }
    }
}
