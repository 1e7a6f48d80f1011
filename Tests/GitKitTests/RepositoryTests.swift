import AeolusTesting
import Foundation
import Testing
@testable import GitKit

/// libgit2 on real repositories in temp folders, checked against the git command line.
@Suite("Repository: resolve, snapshot, commit without a working tree")
struct RepositoryTests {
    static let author = Signature(name: "Aeolus Dictator", email: "dictator@aeolus.invalid",
                                  time: Date(timeIntervalSince1970: 1_717_000_000))

    /// A working-tree repository with two commits; returns (dir, work path, first sha, second sha).
    static func twoCommitRepository() async throws -> (TemporaryDirectory, String, String, String) {
        let temp = try TemporaryDirectory(prefix: "gitkit-repo")
        let work = temp.path("work")
        try await Git.initRepository(at: work)
        let first = try await Git.commit(in: work, files: ["aeolus.yaml": "statusBranch: status\n"], message: "first")
        let second = try await Git.commit(in: work, files: [
            "templates/tcp/template.yaml": "name: tcp\n",
            "templates/tcp/probe.bpf.c": "int x;\n",
            "policies/baseline.yaml": "kind: ProbePolicy\n",
        ], message: "second\n\nwith a body")
        return (temp, work, first, second)
    }

    @Test func resolvesBranchesReferencesShasAndExpressions() async throws {
        let (temp, work, first, second) = try await Self.twoCommitRepository()
        defer { temp.remove() }
        let repository = try await Repository.open(at: work)
        let expected: [(String, String)] = [
            ("main", second), ("refs/heads/main", second), ("HEAD", second),
            (second, second), (String(second.prefix(8)), second), ("HEAD~1", first), ("main^", first),
        ]
        for (revision, sha) in expected {
            await #expect(try repository.resolve(revision).hex == sha, "\(revision)")
        }
        #expect(try repository.branchTip("main")?.hex == second)
        #expect(try repository.branchTip("absent") == nil)
        #expect(repository.isBare == false)
    }

    @Test func unknownRevisionIsNotFoundAndNamesTheCall() async throws {
        let (temp, work, _, _) = try await Self.twoCommitRepository()
        defer { temp.remove() }
        let repository = try await Repository.open(at: work)
        do {
            _ = try await repository.resolve("no-such-branch")
            Issue.record("resolve should have failed")
        } catch let error as GitError {
            #expect(error.kind == .notFound)
            #expect(error.call == "git_revparse_single")
            #expect(error.code == -3)
            #expect(error.message.contains("no-such-branch"))
        }
    }

    @Test func openingANonRepositoryFails() throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-norepo")
        defer { temp.remove() }
        #expect {
            try Repository.open(at: temp.path)
        } throws: { error in
            let error = error as? GitError
            return error?.call == "git_repository_open" && error?.kind == .notFound && !(error?.message.isEmpty ?? true)
        }
    }

    @Test func snapshotReadsFilesNestedDirectoriesAndCommitData() async throws {
        let (temp, work, first, second) = try await Self.twoCommitRepository()
        defer { temp.remove() }
        let repository = try await Repository.open(at: work)
        let snapshot = try repository.snapshot(at: "main")
        #expect(snapshot.commit.hex == second)
        #expect(snapshot.message == "second\n\nwith a body\n")
        #expect(snapshot.authorTime == ISO8601DateFormatter().date(from: "2024-01-01T00:00:00Z"))
        #expect(snapshot.files.count == 4)
        #expect(snapshot.text(at: "templates/tcp/template.yaml") == "name: tcp\n")
        #expect(snapshot["aeolus.yaml"] == Data("statusBranch: status\n".utf8))
        #expect(snapshot.paths(under: "templates") == ["templates/tcp/probe.bpf.c", "templates/tcp/template.yaml"])
        #expect(snapshot.paths(under: "templates/tcp/") == ["templates/tcp/probe.bpf.c", "templates/tcp/template.yaml"])
        #expect(snapshot.paths(under: "templ") == [])
        #expect(snapshot.paths(under: "").count == 4)

        let older = try await repository.snapshot(at: try repository.resolve("HEAD~1"))
        #expect(older.commit.hex == first)
        #expect(Array(older.files.keys) == ["aeolus.yaml"])
    }

    @Test func commitCreatesABranchInABareRepositoryAndSkipsUnchangedTrees() async throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-commit")
        defer { temp.remove() }
        let bare = temp.path("status.git")
        let repository = try Repository.create(at: bare, bare: true)
        #expect(repository.isBare)

        let first = try await #require(try repository.commit(onto: "status", changes: [
            "status/reactions/r1.yaml": .write("phase: Applied\n"),
            "status/summary.yaml": .write("probes: 1\n"),
        ], message: "status: r1 applied", author: Self.author))
        #expect(try await Git.run(["-C", bare, "rev-parse", "refs/heads/status"]) == first.hex)
        #expect(try await Git.run(["-C", bare, "show", "status:status/reactions/r1.yaml"]) == "phase: Applied")
        #expect(try await Git.run(["-C", bare, "log", "--format=%an <%ae> %at %s", "status"])
                == "Aeolus Dictator <dictator@aeolus.invalid> 1717000000 status: r1 applied")
        #expect(try await Git.run(["-C", bare, "rev-list", "--count", "status"]) == "1")

        // Same content again: no commit, branch untouched.
        let unchanged = try await repository.commit(onto: "status", changes: ["status/summary.yaml": .write("probes: 1\n")],
                                              message: "no-op", author: Self.author)
        #expect(unchanged == nil)
        #expect(try repository.branchTip("status") == first)
        // Deleting an absent path changes nothing either.
        await #expect(try repository.commit(onto: "status", changes: ["absent.yaml": .delete], message: "no-op", author: Self.author) == nil)

        let second = try await #require(try repository.commit(onto: "refs/heads/status", changes: [
            "status/summary.yaml": .write("probes: 2\n"),
            "status/reactions": .delete,
            "status/reactions/r2.yaml": .write("phase: Pending\n"),
        ], message: "status: r2", author: Self.author))
        #expect(try await Git.run(["-C", bare, "rev-parse", "status^"]) == first.hex)
        #expect(try await Git.run(["-C", bare, "ls-tree", "-r", "--name-only", "status"])
                == "status/reactions/r2.yaml\nstatus/summary.yaml")
        await #expect(try repository.snapshot(at: second).text(at: "status/summary.yaml") == "probes: 2\n")
        #expect(try await Git.run(["-C", bare, "fsck", "--strict"]).isEmpty)
    }

    @Test func commitOntoAnExistingBranchKeepsOtherFilesAndModes() async throws {
        let (temp, work, _, second) = try await Self.twoCommitRepository()
        defer { temp.remove() }
        try await Git.run(["-C", work, "update-index", "--chmod=+x", "templates/tcp/probe.bpf.c"])
        try await Git.run(["-C", work, "commit", "--quiet", "-m", "executable"])
        let tip = try await Git.run(["-C", work, "rev-parse", "HEAD"])
        let repository = try await Repository.open(at: work)

        let id = try await #require(try repository.commit(onto: "main", changes: [
            "templates/tcp/probe.bpf.c": .write("int y;\n"),
            "policies/baseline.yaml": .delete,
        ], message: "edit", author: Self.author))
        #expect(try await Git.run(["-C", work, "rev-parse", "main^"]) == tip)
        #expect(try await Git.run(["-C", work, "ls-tree", "-r", "main"]).contains("100755 blob"))
        await #expect(try repository.snapshot(at: id).files.keys.sorted()
                == ["aeolus.yaml", "templates/tcp/probe.bpf.c", "templates/tcp/template.yaml"])
        _ = second
    }

    @Test func commitWithAnExplicitParentMovesTheBranch() async throws {
        let (temp, work, first, _) = try await Self.twoCommitRepository()
        defer { temp.remove() }
        let repository = try await Repository.open(at: work)
        let parent = try #require(ObjectID(hex: first))
        let id = try await #require(try repository.commit(onto: "main", parent: parent, changes: ["x.yaml": .write("x: 1\n")],
                                                    message: "on first", author: Self.author))
        #expect(try repository.branchTip("main") == id)
        #expect(try await Git.run(["-C", work, "rev-parse", "main^"]) == first)
    }

    @Test(arguments: ["", "/abs.yaml", "a//b", "a/../b", "./a", ".git/config", "dir/"])
    func commitRejectsInvalidPaths(path: String) throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-badpath")
        defer { temp.remove() }
        let repository = try Repository.create(at: temp.path("r.git"), bare: true)
        #expect {
            try repository.commit(onto: "status", changes: [path: .write("x")], message: "bad", author: Self.author)
        } throws: { error in
            (error as? GitError)?.kind == .invalidArgument
        }
    }

    @Test(arguments: [
        ("0123456789abcdef0123456789abcdef01234567", true),
        ("0123456789ABCDEF0123456789ABCDEF01234567", true),
        ("0123456", false),
        ("g123456789abcdef0123456789abcdef01234567", false),
    ])
    func objectIDAcceptsOnlyFullHex(hex: String, valid: Bool) {
        #expect((ObjectID(hex: hex) != nil) == valid)
        #expect(ObjectID(hex: hex).map { $0.hex == hex.lowercased() } ?? true)
    }
}
