import AeolusTesting
import Foundation
import Testing
import GitKit

/// clone, fetch and push against real repositories: over file:// and through a real
/// `git daemon` on 127.0.0.1 (one per test, on its own port), checked with the git command line.
@Suite("Repository: clone, fetch, push")
struct RemoteTests {
    static let author = Signature(name: "Aeolus Dictator", email: "dictator@aeolus.invalid")
    static let files = ["aeolus.yaml": "statusBranch: status\n", "templates/tcp/template.yaml": "name: tcp\n"]

    /// A temp folder holding `upstream.git` (main = `files`), served by a git daemon.
    final class Upstream {
        let temp: TemporaryDirectory
        let bare: String
        let initial: String
        let daemon: GitDaemon
        init() async throws {
            temp = try TemporaryDirectory(prefix: "gitkit-remote")
            bare = temp.path("served/upstream.git")
            initial = try await Git.makeBareRepository(at: bare, files: RemoteTests.files)
            daemon = try GitDaemon(baseDirectory: temp.path("served"))
        }
        var gitURL: String { daemon.url("upstream.git") }
        func close() {
            daemon.stop()
            temp.remove()
        }
        /// Another clone target inside the temp folder.
        func path(_ name: String) -> String { temp.path(name) }
    }

    @Test(arguments: [false, true])
    func cloneOverFileURL(bare: Bool) async throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-fileclone")
        defer { temp.remove() }
        let upstream = temp.path("upstream.git")
        let sha = try await Git.makeBareRepository(at: upstream, files: Self.files)
        let clone = try await Repository.clone(url: temp.fileURL("upstream.git"), to: temp.path("clone"), bare: bare)
        #expect(clone.isBare == bare)
        await #expect(try clone.resolve("refs/remotes/origin/main").hex == sha)
        let snapshot = try clone.snapshot(at: "refs/remotes/origin/main")
        #expect(snapshot.text(at: "templates/tcp/template.yaml") == "name: tcp\n")
        if !bare {
            #expect(FileManager.default.fileExists(atPath: temp.path("clone/templates/tcp/template.yaml")))
            await #expect(try clone.resolve("main").hex == sha)
        }
    }

    @Test func cloneOverGitDaemonThenFetchSeesAnUpstreamCommit() async throws {
        let upstream = try await Upstream()
        defer { upstream.close() }
        let clone = try await Repository.clone(url: upstream.gitURL, to: upstream.path("dictator"), bare: true)
        await #expect(try clone.resolve("refs/remotes/origin/main").hex == upstream.initial)

        // Someone pushes a commit upstream with the git command line.
        let work = upstream.path("human")
        try await Git.run(["clone", "--quiet", upstream.bare, work])
        let newer = try await Git.commit(in: work, files: ["policies/new.yaml": "kind: ProbePolicy\n"], message: "add policy")
        try await Git.run(["-C", work, "push", "--quiet", "origin", "main"])

        try await clone.fetch()
        await #expect(try clone.resolve("refs/remotes/origin/main").hex == newer)
        #expect(try clone.snapshot(at: "refs/remotes/origin/main").text(at: "policies/new.yaml") == "kind: ProbePolicy\n")
    }

    /// With more than 20 commits of history libgit2 negotiates in several rounds (20 haves a
    /// round); the fetch still lands the new tip (through the TCP stream GitKit registers).
    @Test func fetchAfterALongHistoryNegotiatesInRounds() async throws {
        let upstream = try await Upstream()
        defer { upstream.close() }
        let work = upstream.path("human")
        try await Git.run(["clone", "--quiet", upstream.bare, work])
        for index in 0..<30 {
            _ = try await Git.commit(in: work, files: ["history/\(index).txt": "\(index)\n"], message: "history \(index)")
        }
        try await Git.run(["-C", work, "push", "--quiet", "origin", "main"])
        let clone = try await Repository.clone(url: upstream.gitURL, to: upstream.path("dictator"), bare: true)
        let newer = try await Git.commit(in: work, files: ["policies/new.yaml": "kind: ProbePolicy\n"], message: "add policy")
        try await Git.run(["-C", work, "push", "--quiet", "origin", "main"])
        try await clone.fetch()
        await #expect(try clone.resolve("refs/remotes/origin/main").hex == newer)
    }

    @Test func fetchWithExplicitRefspec() async throws {
        let upstream = try await Upstream()
        defer { upstream.close() }
        let repository = try Repository.create(at: upstream.path("plain"), bare: true)
        try repository.addRemote("origin", url: upstream.gitURL)
        try await repository.fetch(refspecs: ["+refs/heads/main:refs/remotes/origin/main"])
        await #expect(try repository.resolve("origin/main").hex == upstream.initial)
    }

    @Test func pushANewBranchOverGitDaemon() async throws {
        let upstream = try await Upstream()
        defer { upstream.close() }
        let clone = try await Repository.clone(url: upstream.gitURL, to: upstream.path("dictator"), bare: true)
        let id = try await #require(try clone.commit(onto: "status", changes: ["status/summary.yaml": .write("probes: 0\n")],
                                               message: "status: initial", author: Self.author))
        try await clone.push(branch: "status")
        #expect(try await Git.run(["-C", upstream.bare, "log", "--format=%H %s", "status"]) == "\(id.hex) status: initial")
        #expect(try await Git.run(["-C", upstream.bare, "show", "status:status/summary.yaml"]) == "probes: 0")
        // libgit2 updated the remote-tracking reference too.
        await #expect(try clone.resolve("refs/remotes/origin/status") == id)
        // Pushing again with nothing new is fine.
        try await clone.push(branch: "status")
    }

    @Test func nonFastForwardPushIsDetectedAndRecoveredByRebuildingOnTop() async throws {
        let upstream = try await Upstream()
        defer { upstream.close() }
        let first = try await Repository.clone(url: upstream.gitURL, to: upstream.path("first"), bare: true)
        let second = try await Repository.clone(url: upstream.gitURL, to: upstream.path("second"), bare: true)

        let winner = try await #require(try first.commit(onto: "main", parent: first.resolve("refs/remotes/origin/main"),
                                                   changes: ["status/a.yaml": .write("a\n")], message: "first writer", author: Self.author))
        try await first.push(branch: "main")

        let change: [String: FileChange] = ["status/b.yaml": .write("b\n")]
        try await #require(try second.commit(onto: "main", parent: second.resolve("refs/remotes/origin/main"),
                                       changes: change, message: "second writer", author: Self.author) != nil)
        do {
            try await second.push(branch: "main")
            Issue.record("the push should have been rejected")
        } catch let error as GitError {
            #expect(error.kind == .nonFastForward, "\(error)")
            #expect(error.call == "git_remote_push")
        }
        #expect(try await Git.run(["-C", upstream.bare, "rev-parse", "main"]) == winner.hex)

        // The status writer's recovery: fetch, re-apply the change on top of the remote branch, push.
        try await second.fetch()
        let rebuilt = try await #require(try second.commit(onto: "main", parent: second.resolve("refs/remotes/origin/main"),
                                                     changes: change, message: "second writer", author: Self.author))
        try await second.push(branch: "main")
        #expect(try await Git.run(["-C", upstream.bare, "log", "--format=%H", "main"]).split(separator: "\n").map(String.init)
                == [rebuilt.hex, winner.hex, upstream.initial])
        #expect(try await Git.run(["-C", upstream.bare, "ls-tree", "-r", "--name-only", "main", "status"]) == "status/a.yaml\nstatus/b.yaml")
    }

    @Test func pushRefusedByARemoteHookIsPushRejected() async throws {
        let upstream = try await Upstream()
        defer { upstream.close() }
        let hook = upstream.bare + "/hooks/pre-receive"
        try "#!/bin/sh\necho 'status branch is read-only' >&2\nexit 1\n".write(toFile: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
        let clone = try await Repository.clone(url: upstream.gitURL, to: upstream.path("clone"), bare: true)
        _ = try await clone.commit(onto: "main", changes: ["a": .write("a")], message: "a", author: Self.author)
        do {
            try await clone.push(branch: "main")
            Issue.record("the hook should have refused the push")
        } catch let error as GitError {
            #expect(error.kind == .pushRejected, "\(error)")
            #expect(error.call == "git_remote_push")
            #expect(error.message.contains("refs/heads/main"))
            #expect(error.message.contains("hook declined"))
        }
        #expect(try await Git.run(["-C", upstream.bare, "rev-parse", "main"]) == upstream.initial)
    }

    @Test func forcePushOverwritesTheRemoteBranch() async throws {
        let upstream = try await Upstream()
        defer { upstream.close() }
        let first = try await Repository.clone(url: upstream.gitURL, to: upstream.path("first"), bare: true)
        let second = try await Repository.clone(url: upstream.gitURL, to: upstream.path("second"), bare: true)
        _ = try await first.commit(onto: "main", changes: ["a": .write("a")], message: "a", author: Self.author)
        try await first.push(branch: "main")
        let forced = try await #require(try second.commit(onto: "main", changes: ["b": .write("b")], message: "b", author: Self.author))
        try await second.push(branch: "main", force: true)
        #expect(try await Git.run(["-C", upstream.bare, "rev-parse", "main"]) == forced.hex)
    }

    @Test(arguments: [
        ("file:///nonexistent/aeolus/upstream.git", "git_clone"),
        ("git://127.0.0.1:1/upstream.git", "git_clone"),
        ("notascheme://127.0.0.1/upstream.git", "git_clone"),
    ])
    func badURLCarriesLibgit2MessageAndCall(url: String, call: String) async throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-badurl")
        defer { temp.remove() }
        do {
            _ = try await Repository.clone(url: url, to: temp.path("clone"))
            Issue.record("clone of \(url) should have failed")
        } catch let error as GitError {
            #expect(error.call == call)
            #expect(error.code < 0)
            #expect(!error.message.isEmpty && !error.message.hasPrefix("libgit2 returned"), "\(error)")
            #expect(error.description.contains(error.message))
        }
    }

    @Test func fetchFromAnUnknownRemoteIsNotFound() throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-noremote")
        defer { temp.remove() }
        let repository = try Repository.create(at: temp.path("r.git"), bare: true)
        #expect {
            try repository.fetch(remote: "upstream")
        } throws: { error in
            let error = error as? GitError
            return error?.kind == .notFound && error?.call == "git_remote_lookup"
        }
    }

    @Test func sshWithoutKnownHostsFileFailsBeforeConnecting() throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-ssh")
        defer { temp.remove() }
        let credentials = Credentials.sshKey(privateKey: temp.path("id"), knownHosts: temp.path("missing_known_hosts"))
        #expect {
            try Repository.clone(url: "ssh://git@127.0.0.1:1/x.git", to: temp.path("clone"), credentials: credentials)
        } throws: { error in
            (error as? GitError)?.kind == .certificate
        }
    }
}
