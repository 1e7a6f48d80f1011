import AeolusModel
import AeolusTesting
import CurlKit
@testable import Dictator
import Foundation
import Testing

/// Signed commits through the `aeolus` binary: a dictator run with `--verify-signatures
/// --trusted-keys` watching a repository served by `git daemon`, commits signed by `ssh-keygen`
/// keys through git (`gpg.format=ssh`). An unsigned head and a head signed by an untrusted key are
/// not applied (the signed revision before stays live, the status says why), a trusted one is.
@Suite(.serialized) struct SignedCommitsEndToEndTests {
    let steps = EndToEnd()
    var client: HTTPClient { steps.client }

    /// The dictator's status as `/api/v1/status` returns it.
    func status(_ dictator: DictatorProcess) async throws -> DictatorStatus {
        let response = try await client.send(HTTPRequest(url: dictator.url + "/api/v1/status", timeout: .seconds(5)))
        return try NodeProbeState.makeDecoder().decode(DictatorStatus.self, from: Data(response.body))
    }

    /// node-a's assignment, its probe ids.
    func probes(_ dictator: DictatorProcess) async throws -> [String] {
        let response = try await client.send(HTTPRequest(url: dictator.url + AgentAPI.assignment(node: "node-a"), timeout: .seconds(5)))
        return try JSONDecoder().decode(NodeAssignment.self, from: Data(response.body)).probes.map(\.id)
    }

    @Test func untrustedRevisionsAreNotAppliedAndStatusSaysWhy() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-signed-e2e")
        defer { temp.remove() }
        let trusted = try await SigningKey.generate(at: temp.path("trusted"), comment: "release@aeolus.invalid")
        let stranger = try await SigningKey.generate(at: temp.path("stranger"), comment: "stranger@aeolus.invalid")
        try ("# who may sign the config repository\n" + trusted.allowedSignersLine(principal: "release@aeolus.invalid") + "\n")
            .write(toFile: temp.path("allowed_signers"), atomically: true, encoding: .utf8)

        let (daemon, bare) = try await EndToEnd.serve(try DictatorEndToEndTests.seedFiles(), in: temp)
        defer { daemon.stop() }
        let work = temp.path("work")
        try await Git.run(["clone", "--quiet", daemon.url("config.git"), work])
        // The head the dictator starts from is signed by the trusted key.
        let signed = try await push(work, files: ["policies/e2e.yaml": EndToEnd.policy("retransmits", template: "tcp-retransmits")],
                                    message: "retransmits everywhere", key: trusted)

        let arguments = EndToEnd.dictatorArguments(daemon, in: temp) + ["--verify-signatures", "--trusted-keys", temp.path("allowed_signers")]
        var dictator = try DictatorProcess(arguments: arguments, logFile: temp.path("dictator.log"))
        defer { dictator.stop() }
        try await steps.waitReady(dictator)
        let registered = try await steps.registerWorker(dictator)
        #expect(registered.status == 200)
        #expect(try await probes(dictator) == ["policy/e2e/retransmits"])
        var current = try await status(dictator)
        #expect(current.summary.revision == signed)
        #expect(current.summary.signedBy?.contains(trusted.fingerprint) == true, "\(String(describing: current.summary.signedBy))")
        #expect(current.summary.refused == nil)

        // 1. An unsigned commit: not applied, the signed revision stays live, the status says why.
        let twoPolicies = EndToEnd.policy("retransmits", template: "tcp-retransmits") + "\n---\n" + EndToEnd.policy("drops", template: "packet-drops")
        let unsigned = try await push(work, files: ["policies/e2e.yaml": twoPolicies], message: "unsigned change", key: nil)
        try await steps.hook(dictator, sha: unsigned)
        current = try await refusal(of: unsigned, dictator)
        #expect(current.summary.refused?.message == "revision \(unsigned.prefix(7)) not applied: head commit is not signed")
        #expect(current.summary.refused?.reason == "unsigned")
        #expect(current.summary.revision == signed, "the last good revision stays live")
        #expect(try await probes(dictator) == ["policy/e2e/retransmits"])
        let recorded = await EndToEnd.eventually(60) {
            await EndToEnd.statusFile(bare, StatusPaths.summary)?.contains("head commit is not signed") == true
        }
        let summary = await EndToEnd.statusFile(bare, StatusPaths.summary) ?? "none"
        #expect(recorded, "status/summary.yaml:\n\(summary)\n\(dictator.log)")
        #expect(await EndToEnd.statusLog(bare).contains("revision \(unsigned.prefix(7)) not applied"))

        // 2. Signed by a key the file does not trust: the same, naming the key's fingerprint.
        let foreign = try await push(work, files: ["policies/e2e.yaml": twoPolicies + "\n"], message: "stranger's change", key: stranger)
        try await steps.hook(dictator, sha: foreign)
        current = try await refusal(of: foreign, dictator)
        #expect(current.summary.refused?.message
                == "revision \(foreign.prefix(7)) not applied: head commit is signed by untrusted key \(stranger.fingerprint) (ssh-ed25519)")
        #expect(current.summary.revision == signed)
        #expect(try await probes(dictator) == ["policy/e2e/retransmits"])
        let table = try await AeolusBinary.run(["status", "--dictator", dictator.url, "--token-file", temp.path("token")])
        #expect(table.standardOutput.contains("refused: revision \(foreign.prefix(7)) not applied: head commit is signed by untrusted key"),
                "\(table.standardOutput)\(table.standardError)")
        let page = try await client.send(HTTPRequest(url: dictator.url + "/", timeout: .seconds(5)))
        #expect(String(decoding: page.body, as: UTF8.self).contains(stranger.fingerprint))

        let counted = try await metrics(dictator)
        for reason in ["unsigned", "untrusted_key"] {
            #expect(counted.contains("aeolus_dictator_revisions_refused_total{reason=\"\(reason)\"} 1\n"), "\(counted)")
        }

        // A restart while the head is refused: the revision applied before the restart (the status
        // branch's summary) is applied again, and the head is still refused.
        #expect(dictator.stop() == 0, "graceful shutdown:\n\(dictator.log)")
        dictator = try DictatorProcess(arguments: arguments, port: dictator.port, logFile: temp.path("dictator.log"))
        try await steps.waitReady(dictator)
        current = try await refusal(of: foreign, dictator)
        #expect(current.summary.revision == signed, "\(dictator.log)")
        #expect(try await probes(dictator) == ["policy/e2e/retransmits"])

        // 3. A trusted signature again: applied, the refusal is gone.
        let trustedAgain = try await push(work, files: ["policies/e2e.yaml": twoPolicies + "\n\n"], message: "signed change", key: trusted)
        try await steps.hook(dictator, sha: trustedAgain)
        let applied = await EndToEnd.eventually(120) { (try? await status(dictator))?.summary.revision == trustedAgain }
        #expect(applied, "\(dictator.log)")
        current = try await status(dictator)
        #expect(current.summary.refused == nil)
        #expect(try await probes(dictator) == ["policy/e2e/drops", "policy/e2e/retransmits"])

        // Counted since the restart: the stranger's head, refused again.
        let restarted = try await metrics(dictator)
        #expect(restarted.contains("aeolus_dictator_revisions_refused_total{reason=\"untrusted_key\"} 1\n"), "\(restarted)")
    }

    /// Usage: `--verify-signatures` needs `--trusted-keys`; a file that cannot be read, or holds
    /// no usable key, stops the dictator at start naming it (and each bad line by file:line).
    @Test func flagsAndTrustedKeysFileAreCheckedAtStart() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-signed-flags")
        defer { temp.remove() }
        let base = ["dictator", "--repo", temp.fileURL("absent.git"), "--workdir", temp.path("workdir"), "--listen", "127.0.0.1:0"]

        let noKeys = try await AeolusBinary.run(base + ["--verify-signatures"])
        #expect(noKeys.status == 64)
        #expect(noKeys.standardError.contains("--verify-signatures needs --trusted-keys FILE"), "\(noKeys.standardError)")

        let missing = try await AeolusBinary.run(base + ["--verify-signatures", "--trusted-keys", temp.path("no-such-file")])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("--trusted-keys \(temp.path("no-such-file"))"), "\(missing.standardError)")

        try "alice@x ssh-ed25519\nnot a key line\n".write(toFile: temp.path("bad"), atomically: true, encoding: .utf8)
        let bad = try await AeolusBinary.run(base + ["--verify-signatures", "--trusted-keys", temp.path("bad")])
        #expect(bad.status == 1)
        #expect(bad.standardError.contains("\(temp.path("bad")) holds no usable key"), "\(bad.standardError)")
        #expect(bad.standardError.contains("\(temp.path("bad")):1: ssh-ed25519: the base64 key is missing"))
        #expect(bad.standardError.contains("\(temp.path("bad")):2: no key type"))
    }

    /// The dictator's `/metrics`.
    func metrics(_ dictator: DictatorProcess) async throws -> String {
        String(decoding: try await client.send(HTTPRequest(url: dictator.url + "/metrics", timeout: .seconds(5))).body, as: UTF8.self)
    }

    /// Commits `files` (signed with `key` when given) and pushes to `main`; returns the sha.
    func push(_ work: String, files: [String: String?], message: String, key: SigningKey?) async throws -> String {
        let sha = try await Git.commit(in: work, files: files, message: message, signingKey: key)
        try await Git.run(["-C", work, "push", "--quiet", "origin", "HEAD:refs/heads/main"])
        return sha
    }

    /// The status once it names `revision` as refused (generous bound: a fetch after the webhook).
    func refusal(of revision: String, _ dictator: DictatorProcess) async throws -> DictatorStatus {
        let refused = await EndToEnd.eventually(60) { (try? await status(dictator))?.summary.refused?.revision == revision }
        #expect(refused, "\(dictator.log)")
        return try await status(dictator)
    }
}
