import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import Testing

/// End to end through the `aeolus` binary: a bare repository served by `git daemon` on 127.0.0.1,
/// pushes with the git CLI, the webhook, an agent speaking the API over HTTP from the test, the
/// status branch read back with git. (`DictatorAgentEndToEndTests` runs the real agent.)
@Suite(.serialized) struct DictatorEndToEndTests {
    let steps = EndToEnd()
    var client: HTTPClient { steps.client }

    /// The example's settings, include folder and two templates, without policies.
    static func seedFiles() throws -> [String: String] {
        try EndToEnd.exampleFiles(["aeolus.yaml", "include/aeolus.h"]
                                  + EndToEnd.templatePaths("tcp-retransmits") + EndToEnd.templatePaths("packet-drops"))
    }

    @Test func pushWebhookStatusBrokenTemplateRemovalRestart() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-dictator-e2e")
        defer { temp.remove() }
        let (daemon, bare) = try await EndToEnd.serve(try Self.seedFiles(), in: temp)
        defer { daemon.stop() }
        let work = temp.path("work")
        try await Git.run(["clone", "--quiet", daemon.url("config.git"), work])

        let arguments = EndToEnd.dictatorArguments(daemon, in: temp)
        var dictator = try DictatorProcess(arguments: arguments, logFile: temp.path("dictator.log"))
        defer { dictator.stop() }
        try await steps.waitReady(dictator)

        // A fake agent registers and watches.
        let registered = try await steps.registerWorker(dictator)
        #expect(registered.status == 200)
        let initial = try JSONDecoder().decode(NodeAssignment.self, from: Data(registered.body))
        #expect(initial.probes.isEmpty)
        let (head, lines) = try await client.lines(HTTPRequest(
            url: dictator.url + AgentAPI.assignment(node: "node-a") + "?watch=1&revision=\(initial.revision)"))
        #expect(head.status == 200)
        var watch = WatchReader(iterator: lines.makeAsyncIterator())

        // 1. Push two policies, call the webhook: the probes arrive well before the 30 s poll.
        let started = Date()
        let first = try await steps.push(work, files: ["policies/e2e.yaml": EndToEnd.policy("retransmits", template: "tcp-retransmits")
                                              + "\n---\n" + EndToEnd.policy("drops", template: "packet-drops")],
                             message: "add e2e policies")
        try await steps.hook(dictator, sha: first)
        let assigned = try #require(try await watch.nextAssignment())
        let elapsed = Date().timeIntervalSince(started)
        print("push → assignment with the webhook: \(elapsed) s")
        #expect(elapsed < 20)
        #expect(assigned.probes.map(\.id) == ["policy/e2e/drops", "policy/e2e/retransmits"])
        let object = try await client.send(HTTPRequest(url: dictator.url + AgentAPI.object(digest: assigned.probes[0].digest), timeout: .seconds(5)))
        #expect(object.status == 200 && object.body.starts(with: [0x7f, 0x45, 0x4c, 0x46]), "an ELF object")

        // The status branch gets a commit naming the revision.
        let firstRecorded = await EndToEnd.eventually(60) { await EndToEnd.statusLog(bare).contains(first) }
        let statusLog = await EndToEnd.statusLog(bare)
        #expect(firstRecorded, "status log:\n\(statusLog)\n\(dictator.log)")
        let node = try await Git.run(["--git-dir", bare, "show", "aeolus/status:status/nodes/node-a.yaml"])
        #expect(node.contains("policy/e2e/retransmits"))

        // 2. A broken template: its error under status/errors, the probes stay assigned (last good object).
        var source = try String(contentsOfFile: work + "/templates/packet-drops/probe.bpf.c", encoding: .utf8)
        source += "\nthis is not C;\n"
        let broken = try await steps.push(work, files: ["templates/packet-drops/probe.bpf.c": source], message: "break packet-drops")
        try await steps.hook(dictator, sha: broken)
        #expect(await EndToEnd.eventually(60) {
            (try? await Git.run(["--git-dir", bare, "show", "aeolus/status:status/errors/packet-drops.yaml"]))?.contains("probe.bpf.c") == true
        }, "\(dictator.log)")
        let errors = try await Git.run(["--git-dir", bare, "show", "aeolus/status:status/errors/packet-drops.yaml"])
        #expect(errors.contains("line:") && errors.contains("stale"))
        let afterBreak = try JSONDecoder().decode(NodeAssignment.self, from: Data(try await client.send(
            HTTPRequest(url: dictator.url + AgentAPI.assignment(node: "node-a"), timeout: .seconds(5))).body))
        #expect(afterBreak.probes == assigned.probes, "the broken template keeps its last good object")

        // 3. Removing a policy removes its probe.
        let removed = try await steps.push(work, files: ["policies/e2e.yaml": EndToEnd.policy("drops", template: "packet-drops")],
                               message: "remove the retransmits policy")
        try await steps.hook(dictator, sha: removed)
        let afterRemove = try #require(try await watch.nextAssignment())
        #expect(afterRemove.probes.map(\.id) == ["policy/e2e/drops"])

        // 4. Kill and restart the dictator: the node's assignment has the same content.
        #expect(dictator.stop() == 0, "graceful shutdown:\n\(dictator.log)")
        dictator = try DictatorProcess(arguments: arguments, port: dictator.port, logFile: temp.path("dictator.log"))
        try await steps.waitReady(dictator)
        let afterRestart = try JSONDecoder().decode(NodeAssignment.self, from: Data(try await client.send(
            HTTPRequest(url: dictator.url + AgentAPI.assignment(node: "node-a"), timeout: .seconds(5))).body))
        #expect(afterRestart.probes == afterRemove.probes)
        #expect(afterRestart.revision >= afterRemove.revision)

        // `aeolus status` shows the node and the error.
        let table = try await AeolusBinary.run(["status", "--dictator", dictator.url, "--token-file", temp.path("token")])
        #expect(table.status == 0, "\(table.standardError)")
        #expect(table.standardOutput.contains("node-a") && table.standardOutput.contains("packet-drops"))
        let json = try await AeolusBinary.run(["status", "--dictator", dictator.url, "--format", "json", "--token-file", temp.path("token")])
        #expect(json.standardOutput.contains("\"revision\" : \"\(removed)\""))
    }
}
