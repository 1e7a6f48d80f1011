import AeolusModel
import AeolusTesting
import CurlKit
import Dictator
import Foundation
import Testing

/// End to end through the `aeolus` binary with the real agent and the kernel: a bare repository
/// served by `git daemon` on 127.0.0.1, `aeolus dictator`, and `aeolus agent --dictator` whose pods
/// are two network namespaces of this test. Probes are checked where they run: the tc filters on
/// the pods' interfaces and the kernel's program ids.
@Suite(.serialized) struct DictatorAgentEndToEndTests {
    let steps = EndToEnd()

    /// The BPF filters on `pod`'s interface, both directions, as `tc filter show` prints them
    /// (handle, priority and program id included: a reattach changes them).
    static func filters(_ pod: NetworkNamespace) throws -> [String] {
        try ["ingress", "egress"].flatMap { direction in
            try Subprocess.run("/usr/sbin/ip", ["netns", "exec", pod.name, "tc", "filter", "show", "dev", pod.interface, direction])
                .standardOutput.split(separator: "\n").map(String.init)
                .filter { $0.contains(" bpf ") && $0.contains(" handle ") }.map { "\(direction): \($0)" }
        }
    }

    /// The program ids in `tc filter show` lines (`... id 123 tag ...`).
    static func programIDs(_ lines: [String]) -> [Int] {
        lines.compactMap { line in
            let words = line.split(separator: " ")
            return words.firstIndex(of: "id").flatMap { $0 + 1 < words.count ? Int(words[$0 + 1]) : nil }
        }.sorted()
    }

    /// Whether the kernel has a program with id `id` (`bpftool prog show id`).
    static func programExists(_ id: Int) -> Bool {
        (try? Subprocess.collect("/usr/sbin/bpftool", ["prog", "show", "id", "\(id)"]))?.status == 0
    }

    @Test func realAgentFollowsPushesBrokenTemplateRemovalAndDictatorCrash() async throws {
        try KernelTest.requireRoot()
        let temp = try TemporaryDirectory(prefix: "aeolus-agent-e2e")
        let pods = [try NetworkNamespace(), try NetworkNamespace()]
        let node = "e2e-\(pods[0].name)"
        let pinRoot = "/sys/fs/bpf/aeolus/\(node)"
        var agent: AeolusProcess?
        var dictator: DictatorProcess?
        var daemon: GitDaemon?
        defer {
            // Hard stops, then what they leave: filters go with the veth pairs, programs with the pins.
            agent?.kill()
            dictator?.kill()
            daemon?.stop()
            pods.forEach { $0.close() }
            try? FileManager.default.removeItem(atPath: pinRoot)
            rmdir("/sys/fs/bpf/aeolus")
            temp.remove()
        }
        let seed = try EndToEnd.exampleFiles(["aeolus.yaml", "include/aeolus.h"] + EndToEnd.templatePaths("pod-traffic"))
        let served = try await EndToEnd.serve(seed, in: temp)
        daemon = served.daemon
        let bare = served.bare
        let work = temp.path("work")
        try await Git.run(["clone", "--quiet", served.daemon.url("config.git"), work])
        try NetworkNamespace.writePodsFile(pods.map { ($0, ["app": "web"]) }, to: temp.path("pods.json"))

        let arguments = EndToEnd.dictatorArguments(served.daemon, in: temp)
        dictator = try DictatorProcess(arguments: arguments, logFile: temp.path("dictator.log"))
        try await steps.waitReady(dictator!)
        // The agent holds its node's token only: registration, watch, reports and object downloads with it.
        let nodeToken = try await NodeTokenEndToEndTests.mint(["--node", node], secret: temp.path("token"))
        try (nodeToken + "\n").write(toFile: temp.path("node-token"), atomically: true, encoding: .utf8)
        agent = try AeolusProcess(arguments: [
            "agent", "--node", node, "--dictator", dictator!.url, "--token-file", temp.path("node-token"), "--label", "role=worker",
            "--pods", temp.path("pods.json"), "--state-dir", temp.path("agent"), "--listen", "none", "--interval", "0.2"],
            logFile: temp.path("agent.log"))
        let nodeFile = StatusPaths.node(node)
        func logs() -> String { "dictator:\n\(dictator?.log ?? "")\nagent:\n\(agent?.log ?? "")" }
        #expect(await EndToEnd.eventually(60) { await EndToEnd.statusFile(bare, nodeFile) != nil }, "the agent registered\n\(logs())")

        // (a) A new policy for pod-traffic, pushed, then the webhook: the filters are on both pods'
        // interfaces well before the 30 s poll, and the status branch names the revision.
        let started = Date()
        let added = try await steps.push(work, files: ["policies/e2e.yaml": EndToEnd.policy("traffic", template: "pod-traffic", pods: true)],
                                   message: "add the traffic policy")
        try await steps.hook(dictator!, sha: added)
        #expect(try await EndToEnd.eventually(60) { try pods.allSatisfy { try Self.filters($0).count == 2 } }, "\(logs())")
        let elapsed = Date().timeIntervalSince(started)
        print("git push → tc filters on both pods (real agent, webhook): \(elapsed) s")
        #expect(elapsed < 29, "before the 30 s poll interval")
        let live = try pods.flatMap(Self.filters)
        let ids = Self.programIDs(live)
        #expect(ids.count == 4 && ids.allSatisfy(Self.programExists), "\(live)")
        let addedRecorded = await EndToEnd.eventually(60) {
            let log = await EndToEnd.statusLog(bare), file = await EndToEnd.statusFile(bare, nodeFile)
            return log.contains(added) && file?.contains("state: live") == true
        }
        let statusLog = await EndToEnd.statusLog(bare)
        #expect(addedRecorded, "status log:\n\(statusLog)\n\(logs())")

        // (b) A second template that does not compile: its error under status/errors naming the
        // file; the live probe is untouched (same filters, same programs).
        var source = try String(contentsOfFile: EndToEnd.example + "/templates/tcp-states/probe.bpf.c", encoding: .utf8)
        source += "\nthis is not C;\n"
        var broken = try EndToEnd.exampleFiles(EndToEnd.templatePaths("tcp-states")) as [String: String?]
        broken["templates/tcp-states/probe.bpf.c"] = source
        let brokenSHA = try await steps.push(work, files: broken, message: "add a broken tcp-states")
        try await steps.hook(dictator!, sha: brokenSHA)
        #expect(await EndToEnd.eventually(60) {
            await EndToEnd.statusFile(bare, StatusPaths.errors("tcp-states"))?.contains("templates/tcp-states/probe.bpf.c") == true
        }, "\(logs())")
        #expect(await EndToEnd.statusLog(bare).contains(brokenSHA))
        #expect(try pods.flatMap(Self.filters) == live)

        // (d) SIGKILL the dictator and start it again on the same workdir: nothing changes on the
        // node, and no status commit loses what the node reported.
        let statusBefore = try await Git.run(["--git-dir", bare, "rev-parse", "aeolus/status"])
        let nodeBefore = await EndToEnd.statusFile(bare, nodeFile)
        dictator!.kill()
        dictator = try DictatorProcess(arguments: arguments, port: dictator!.port, logFile: temp.path("dictator.log"))
        try await steps.waitReady(dictator!)
        #expect(await EndToEnd.eventually(60) {
            let metrics = try? await steps.client.send(HTTPRequest(url: dictator!.url + "/metrics", timeout: .seconds(2)))
            return metrics.map { String(decoding: $0.body, as: UTF8.self) }?.contains("aeolus_dictator_watchers 1") == true
        }, "the agent watches the restarted dictator\n\(logs())")
        try await Task.sleep(for: .seconds(2)) // ten status intervals, the agent's report included
        let afterRestart = try pods.flatMap(Self.filters)
        #expect(afterRestart == live, "no reattach: before \(live), after \(afterRestart)\n\(logs())")
        #expect(ids.allSatisfy(Self.programExists))
        let commits = try await Git.run(["--git-dir", bare, "rev-list", "\(statusBefore)..aeolus/status"])
            .split(separator: "\n").map(String.init)
        print("status commits after the restart: \(commits.count)")
        for commit in commits {
            let file = await EndToEnd.statusFile(bare, nodeFile, at: commit) ?? ""
            #expect(file == nodeBefore, "commit \(commit) changed the node's status:\n\(file)")
        }
        #expect(await EndToEnd.statusFile(bare, nodeFile) == nodeBefore)

        // (c) Removing the policy removes the probe from the kernel.
        let removed = try await steps.push(work, files: ["policies/e2e.yaml": nil], message: "remove the traffic policy")
        try await steps.hook(dictator!, sha: removed)
        #expect(try await EndToEnd.eventually(60) { try pods.allSatisfy { try Self.filters($0).isEmpty } }, "\(logs())")
        #expect(await EndToEnd.eventually(60) { !ids.contains(where: Self.programExists) }, "the programs are unloaded")
        #expect(await EndToEnd.eventually(60) {
            let log = await EndToEnd.statusLog(bare), file = await EndToEnd.statusFile(bare, nodeFile)
            return log.contains(removed) && file?.contains("policy/e2e/traffic") == false
        }, "\(logs())")
    }
}
