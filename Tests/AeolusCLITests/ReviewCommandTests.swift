import AeolusTesting
import Foundation
import Testing

/// `aeolus check`, `diff` and `graph` through the binary, on real git repositories.
@Suite struct ReviewCommandTests {
    let example = AeolusBinary.repositoryRoot() + "/config-repo-example"

    /// A git repository holding a copy of config-repo-example, committed once.
    private func exampleRepository() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "aeolus-cli")
        _ = try await Subprocess.run("/bin/cp", ["-r", example + "/.", directory.path])
        try await Git.initRepository(at: directory.path)
        _ = try await Git.run(["-C", directory.path, "add", "-A"])
        _ = try await Git.run(["-C", directory.path, "commit", "-q", "-m", "base"])
        return directory
    }

    private func cache(_ directory: TemporaryDirectory) -> [String] { ["--cache", directory.path(".cache")] }

    @Test func checkPassesOnTheExample() async throws {
        let cacheDirectory = try TemporaryDirectory()
        let output = try await AeolusBinary.run(["check", "--repo", example] + cache(cacheDirectory))
        #expect(output.status == 0, "\(output.standardOutput)\(output.standardError)")
        #expect(output.standardOutput.contains("8 templates (8 ok, 0 failed)"))
    }

    @Test func checkLoadPassesAsRoot() async throws {
        try KernelTest.requireRoot()
        let cacheDirectory = try TemporaryDirectory()
        let output = try await AeolusBinary.run(["check", "--repo", example, "--load"] + cache(cacheDirectory))
        #expect(output.status == 0, "\(output.standardOutput)\(output.standardError)")
        #expect(output.standardOutput.contains("loaded into the kernel"))
    }

    @Test func oneBrokenTemplateExitsOneNamingFileAndLineAndChecksTheOthers() async throws {
        let repository = try await exampleRepository()
        let source = repository.path("templates/tcp-states/probe.bpf.c")
        let text = try String(contentsOfFile: source, encoding: .utf8)
        try text.replacingOccurrences(of: "aeolus_add(&transitions, &key, 1);", with: "aeolus_add(&transitions, &key, 1)")
            .write(toFile: source, atomically: true, encoding: .utf8)
        let output = try await AeolusBinary.run(["check", "--repo", repository.path] + cache(repository))
        #expect(output.status == 1)
        #expect(output.standardOutput.contains("templates/tcp-states/probe.bpf.c:"))
        #expect(output.standardOutput.contains("error: expected ';'"))
        #expect(output.standardOutput.contains("8 templates (7 ok, 1 failed)"))
        #expect(output.standardOutput.contains("ok   pod-traffic"))

        let github = try await AeolusBinary.run(["check", "--repo", repository.path, "--format", "github"] + cache(repository))
        #expect(github.standardOutput.contains("::error file=templates/tcp-states/probe.bpf.c,line="))

        let json = try await AeolusBinary.run(["check", "--repo", repository.path, "--format", "json"] + cache(repository))
        let decoded = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect((decoded?["templates"] as? [[String: Any]])?.count == 8)
    }

    @Test func checkReadsARevisionThroughGit() async throws {
        let repository = try await exampleRepository()
        try "garbage: [".write(toFile: repository.path("graph.yaml"), atomically: true, encoding: .utf8)
        let head = try await AeolusBinary.run(["check", "--repo", repository.path, "--rev", "HEAD"] + cache(repository))
        #expect(head.status == 0, "\(head.standardOutput)")
        let tree = try await AeolusBinary.run(["check", "--repo", repository.path] + cache(repository))
        #expect(tree.status == 1)
        #expect(tree.standardOutput.contains("graph.yaml:2:1: error: malformed YAML"))
    }

    @Test func diffNamesAnAddedPolicyAndExitsOne() async throws {
        let repository = try await exampleRepository()
        _ = try await Git.commit(in: repository.path, files: ["policies/extra.yaml": """
            apiVersion: aeolus.io/v1alpha1
            kind: ProbePolicy
            metadata: {name: extra-states, namespace: aeolus-system}
            spec: {template: tcp-states}
            """], message: "add a policy")
        let output = try await AeolusBinary.run(["diff", "--repo", repository.path, "HEAD~1", "HEAD"] + cache(repository))
        #expect(output.status == 1, "\(output.standardError)")
        #expect(output.standardOutput.contains("+ aeolus-system/extra-states  (template tcp-states)"))
        let same = try await AeolusBinary.run(["diff", "--repo", repository.path, "HEAD"] + cache(repository))
        #expect(same.status == 0, "\(same.standardOutput)\(same.standardError)")
        let bad = try await AeolusBinary.run(["diff", "--repo", repository.path, "no-such-revision"] + cache(repository))
        #expect(bad.status == 2)
    }

    @Test func graphDrawsEdgesWithConditions() async throws {
        let dot = try await AeolusBinary.run(["graph", "--repo", example])
        #expect(dot.status == 0)
        #expect(dot.standardOutput.contains("\"tcp-retransmits\" -> \"flow-latency\""))
        #expect(dot.standardOutput.contains("rate(aeolus_tcp_retransmits_total[10s]) > 0.5"))
        let mermaid = try await AeolusBinary.run(["graph", "--repo", example, "--format", "mermaid"])
        #expect(mermaid.standardOutput.hasPrefix("flowchart LR"))
    }
}
