import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import Testing

/// End to end through the `aeolus` binary: a bare repository served by `git daemon` on 127.0.0.1,
/// pushes with the git CLI, the webhook, a fake agent over HTTP, the status branch read back with git.
@Suite(.serialized) struct DictatorEndToEndTests {
    static let root = AeolusBinary.repositoryRoot()
    static let example = root + "/config-repo-example"

    /// The example's settings, include folder and two templates, without policies.
    static func seedFiles() throws -> [String: String] {
        var files: [String: String] = [:]
        for path in ["aeolus.yaml", "include/aeolus.h",
                     "templates/tcp-retransmits/template.yaml", "templates/tcp-retransmits/probe.bpf.c",
                     "templates/packet-drops/template.yaml", "templates/packet-drops/probe.bpf.c"] {
            files[path] = try String(contentsOfFile: example + "/" + path, encoding: .utf8)
        }
        return files
    }

    static func policy(_ name: String, template: String) -> String {
        """
        apiVersion: aeolus.io/v1alpha1
        kind: ProbePolicy
        metadata: {name: \(name), namespace: e2e}
        spec:
          template: \(template)
          selector:
            nodes: {matchLabels: {role: worker}}
        """
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    let client = HTTPClient(bearerToken: "agent-token")

    /// A bare repository holding `files`, served by `git daemon` from `temp`, and the token file
    /// the dictator and its fake agent share (`temp.path("token")`).
    static func serve(_ files: [String: String], in temp: TemporaryDirectory) throws -> (daemon: GitDaemon, bare: String) {
        let base = temp.path("served")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let bare = base + "/config.git"
        try Git.makeBareRepository(at: bare, files: files)
        try "agent-token\n".write(toFile: temp.path("token"), atomically: true, encoding: .utf8)
        return (try GitDaemon(baseDirectory: base), bare)
    }

    func waitReady(_ dictator: DictatorProcess) async throws {
        let ready = await Self.eventually(120) {
            guard dictator.isRunning else { return false }
            let response = try? await client.send(HTTPRequest(url: dictator.url + "/readyz", timeout: .seconds(2)))
            return response?.status == 200
        }
        #expect(ready, "dictator not ready:\n\(dictator.log)")
    }

    func push(_ work: String, files: [String: String?], message: String) throws -> String {
        let sha = try Git.commit(in: work, files: files, message: message)
        try Git.run(["-C", work, "push", "--quiet", "origin", "HEAD:refs/heads/main"])
        return sha
    }

    func hook(_ dictator: DictatorProcess, sha: String) async throws {
        let body = Array(#"{"ref":"refs/heads/main","after":"\#(sha)"}"#.utf8)
        let response = try await client.send(HTTPRequest(method: .post, url: dictator.url + "/hooks/git",
                                                         headers: ["Content-Type": "application/json", "X-GitHub-Event": "push"],
                                                         body: body, timeout: .seconds(5)))
        #expect(response.status == 202)
    }

    func statusLog(_ bare: String) -> String {
        (try? Git.run(["--git-dir", bare, "log", "--format=%B", "aeolus/status"])) ?? ""
    }

    @Test func pushWebhookStatusBrokenTemplateRemovalRestart() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-dictator-e2e")
        defer { temp.remove() }
        let (daemon, bare) = try Self.serve(try Self.seedFiles(), in: temp)
        defer { daemon.stop() }
        let work = temp.path("work")
        try Git.run(["clone", "--quiet", daemon.url("config.git"), work])

        let arguments = ["--repo", daemon.url("config.git"), "--poll", "30s", "--workdir", temp.path("workdir"),
                         "--status-interval", "200ms", "--heartbeat", "1s", "--token-file", temp.path("token")]
        var dictator = try DictatorProcess(arguments: arguments, logFile: temp.path("dictator.log"))
        defer { dictator.stop() }
        try await waitReady(dictator)

        // A fake agent registers and watches.
        let registration = AgentRegistration(node: "node-a", labels: ["role": "worker"], kernelVersion: "6.18", hooks: Hook.supported)
        let registered = try await client.send(HTTPRequest(method: .post, url: dictator.url + AgentAPI.agents,
                                                           headers: ["Content-Type": "application/json"],
                                                           body: Array(try JSONEncoder().encode(registration)), timeout: .seconds(5)))
        #expect(registered.status == 200)
        let initial = try JSONDecoder().decode(NodeAssignment.self, from: Data(registered.body))
        #expect(initial.probes.isEmpty)
        let (head, lines) = try await client.lines(HTTPRequest(
            url: dictator.url + AgentAPI.assignment(node: "node-a") + "?watch=1&revision=\(initial.revision)"))
        #expect(head.status == 200)
        var watch = WatchReader(iterator: lines.makeAsyncIterator())

        // 1. Push two policies, call the webhook: the probes arrive well before the 30 s poll.
        let started = Date()
        let first = try push(work, files: ["policies/e2e.yaml": Self.policy("retransmits", template: "tcp-retransmits")
                                              + "\n---\n" + Self.policy("drops", template: "packet-drops")],
                             message: "add e2e policies")
        try await hook(dictator, sha: first)
        let assigned = try #require(try await watch.nextAssignment())
        let elapsed = Date().timeIntervalSince(started)
        print("push → assignment with the webhook: \(elapsed) s")
        #expect(elapsed < 20)
        #expect(assigned.probes.map(\.id) == ["policy/e2e/drops", "policy/e2e/retransmits"])
        let object = try await client.send(HTTPRequest(url: dictator.url + AgentAPI.object(digest: assigned.probes[0].digest), timeout: .seconds(5)))
        #expect(object.status == 200 && object.body.starts(with: [0x7f, 0x45, 0x4c, 0x46]), "an ELF object")

        // The status branch gets a commit naming the revision.
        #expect(await Self.eventually(60) { statusLog(bare).contains(first) }, "status log:\n\(statusLog(bare))\n\(dictator.log)")
        let node = try Git.run(["--git-dir", bare, "show", "aeolus/status:status/nodes/node-a.yaml"])
        #expect(node.contains("policy/e2e/retransmits"))

        // 2. A broken template: its error under status/errors, the probes stay assigned (last good object).
        var source = try String(contentsOfFile: work + "/templates/packet-drops/probe.bpf.c", encoding: .utf8)
        source += "\nthis is not C;\n"
        let broken = try push(work, files: ["templates/packet-drops/probe.bpf.c": source], message: "break packet-drops")
        try await hook(dictator, sha: broken)
        #expect(await Self.eventually(60) {
            (try? Git.run(["--git-dir", bare, "show", "aeolus/status:status/errors/packet-drops.yaml"]))?.contains("probe.bpf.c") == true
        }, "\(dictator.log)")
        let errors = try Git.run(["--git-dir", bare, "show", "aeolus/status:status/errors/packet-drops.yaml"])
        #expect(errors.contains("line:") && errors.contains("stale"))
        let afterBreak = try JSONDecoder().decode(NodeAssignment.self, from: Data(try await client.send(
            HTTPRequest(url: dictator.url + AgentAPI.assignment(node: "node-a"), timeout: .seconds(5))).body))
        #expect(afterBreak.probes == assigned.probes, "the broken template keeps its last good object")

        // 3. Removing a policy removes its probe.
        let removed = try push(work, files: ["policies/e2e.yaml": Self.policy("drops", template: "packet-drops")],
                               message: "remove the retransmits policy")
        try await hook(dictator, sha: removed)
        let afterRemove = try #require(try await watch.nextAssignment())
        #expect(afterRemove.probes.map(\.id) == ["policy/e2e/drops"])

        // 4. Kill and restart the dictator: the node's assignment has the same content.
        #expect(dictator.stop() == 0, "graceful shutdown:\n\(dictator.log)")
        dictator = try DictatorProcess(arguments: arguments, port: dictator.port, logFile: temp.path("dictator.log"))
        try await waitReady(dictator)
        let afterRestart = try JSONDecoder().decode(NodeAssignment.self, from: Data(try await client.send(
            HTTPRequest(url: dictator.url + AgentAPI.assignment(node: "node-a"), timeout: .seconds(5))).body))
        #expect(afterRestart.probes == afterRemove.probes)
        #expect(afterRestart.revision >= afterRemove.revision)

        // `aeolus status` shows the node and the error.
        let table = try AeolusBinary.run(["status", "--dictator", dictator.url, "--token-file", temp.path("token")])
        #expect(table.status == 0, "\(table.standardError)")
        #expect(table.standardOutput.contains("node-a") && table.standardOutput.contains("packet-drops"))
        let json = try AeolusBinary.run(["status", "--dictator", dictator.url, "--format", "json", "--token-file", temp.path("token")])
        #expect(json.standardOutput.contains("\"revision\" : \"\(removed)\""))
    }
}
