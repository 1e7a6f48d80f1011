import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import Testing

/// The dictator's surroundings failing (`make test-faults`; `make test` with short outages): the
/// git remote unreachable for a while, and the disk under its workdir full. The last good set
/// stays live throughout, the status branch catches up afterwards, and nothing is half written.
@Suite(.serialized) struct DictatorOutageFaultTests {
    /// How long the remote stays unreachable: `AEOLUS_FAULT_OUTAGE_SECONDS` (`make test-faults`:
    /// 120), 3 s otherwise.
    static var outage: Duration {
        .seconds(ProcessInfo.processInfo.environment["AEOLUS_FAULT_OUTAGE_SECONDS"].flatMap { Int($0) } ?? 3)
    }

    @Test func gitRemoteUnreachableThenBack() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-git-outage")
        defer { temp.remove() }
        var (daemon, bare) = try await EndToEnd.serve(try ReactionAndStatusPageTests.seedFiles(), in: temp)
        let work = temp.path("work")
        try await Git.run(["clone", "--quiet", daemon.url("config.git"), work])
        let arguments = EndToEnd.dictatorArguments(daemon, in: temp)
        let dictator = try await offThePool { try DictatorProcess(arguments: arguments, logFile: temp.path("dictator.log")) }
        let fleet = FakeFleet(nodes: ["node-0", "node-1"])
        let steps = EndToEnd()
        do {
            try await steps.waitReady(dictator)
            fleet.start(url: dictator.url)
            let before = try await Git.run(["-C", work, "rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
            try await DictatorFaultTests.converge(fleet, bare: bare, head: before, policies: ["retransmits"], fired: [], acknowledged: [],
                                                  dictator: dictator, what: "before the outage")

            // The remote goes away; meanwhile a commit lands in it and a reaction fires.
            let port = daemon.port
            try await offThePool { [daemon] in daemon.stop() }
            let policies: Set<String> = ["retransmits", "extra-0"]
            let head = try await Git.commit(in: work, files: ["policies/e2e.yaml": DictatorFaultTests.policiesFile(policies)],
                                            message: "pushed while the dictator cannot reach the remote")
            try await Git.run(["-C", work, "push", "--quiet", bare, "HEAD:refs/heads/main"])
            try await steps.hook(dictator, sha: head)
            let now = Date()
            _ = try await DictatorFaultTests.write(dictator.url, try ReactionAndStatusPageTests.retransmits(10, at: now.addingTimeInterval(-2),
                                                                                                     node: "node-0", dport: "41000"))
            _ = try await DictatorFaultTests.write(dictator.url, try ReactionAndStatusPageTests.retransmits(20, at: now, node: "node-0", dport: "41000"))
            let reacted = await EndToEnd.eventually(30) { fleet.seenReactionPorts(on: "node-0").contains(41000) }
            #expect(reacted, "a reaction needs no git: its probe reaches the node during the outage")

            // During the outage the last good set stays live and the dictator ready.
            let outageEnds = ContinuousClock.now + Self.outage
            var checks = 0
            while ContinuousClock.now < outageEnds {
                let differences = await DictatorFaultTests.compare(fleet, bare: bare, head: before, policies: ["retransmits"],
                                                                   fired: [], acknowledged: [])
                #expect(differences.filter { !$0.hasPrefix("status") }.isEmpty, "last good during the outage: \(differences)")
                #expect(dictator.isRunning)
                checks += 1
                try await Task.sleep(for: .seconds(1))
            }
            print("[fault] git remote unreachable for \(Self.outage): last good live at \(checks) checks")

            // The remote comes back where it was: the commit arrives, the status catches up.
            daemon = try await offThePool { try GitDaemon(baseDirectory: temp.path("served"), port: port) }
            try await steps.hook(dictator, sha: head)
            try await DictatorFaultTests.converge(fleet, bare: bare, head: head, policies: policies, fired: [41000], acknowledged: [41000],
                                                  dictator: dictator, what: "after the outage")
            print("[fault] git remote back: rounds survived: 1/1 (status caught up with \(head.prefix(12)), reaction recorded once)")
        } catch {
            await fleet.stop()
            _ = try? await offThePool { [daemon] in dictator.kill(); daemon.stop() }
            throw error
        }
        await fleet.stop()
        let stopped = try await offThePool { [daemon] in (dictator.stop(), daemon.stop()).0 }
        #expect(stopped == 0)
    }

    @Test func fullDiskUnderTheWorkdir() async throws {
        try KernelTest.requireRoot()
        let temp = try TemporaryDirectory(prefix: "aeolus-full-disk")
        defer { temp.remove() }
        let workdir = temp.path("workdir")
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        try await Subprocess.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=32m", "aeolus-fault", workdir])
        let (daemon, bare) = try await EndToEnd.serve(try ReactionAndStatusPageTests.seedFiles(), in: temp)
        let work = temp.path("work")
        let fleet = FakeFleet(nodes: ["node-0"])
        let steps = EndToEnd()
        var dictator: DictatorProcess?
        do {
            try await Git.run(["clone", "--quiet", daemon.url("config.git"), work])
            let arguments = EndToEnd.dictatorArguments(daemon, in: temp)
            let started = try await offThePool { try DictatorProcess(arguments: arguments, logFile: temp.path("dictator.log")) }
            dictator = started
            try await steps.waitReady(started)
            fleet.start(url: started.url)
            let before = try await Git.run(["-C", work, "rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
            try await DictatorFaultTests.converge(fleet, bare: bare, head: before, policies: ["retransmits"], fired: [], acknowledged: [],
                                                  dictator: started, what: "before the disk fills")

            // Fill the workdir's file system, then give the dictator things to write.
            let filler = workdir + "/filler"
            try await offThePool { Self.fill(filler) }
            let policies: Set<String> = ["retransmits", "extra-1"]
            let head = try await steps.push(work, files: ["policies/e2e.yaml": DictatorFaultTests.policiesFile(policies)], message: "while the disk is full")
            try await steps.hook(started, sha: head)
            let now = Date()
            _ = try await DictatorFaultTests.write(started.url, try ReactionAndStatusPageTests.retransmits(10, at: now.addingTimeInterval(-2),
                                                                                                  node: "node-0", dport: "42000"))
            _ = try await DictatorFaultTests.write(started.url, try ReactionAndStatusPageTests.retransmits(20, at: now, node: "node-0", dport: "42000"))
            let complained = await EndToEnd.eventually(60) { started.log.contains("No space left on device") }
            #expect(complained, "a clear error names the full disk:\n\(started.log.suffix(4000))")
            #expect(started.isRunning, "the dictator keeps serving")
            let errorLines = started.log.split(separator: "\n").filter { $0.contains("No space left on device") }
            print("[fault] full disk: \(errorLines.count) error line(s), e.g. \(errorLines.first.map { String($0.prefix(300)) } ?? "none")")
            #expect(Self.unreadableFiles(in: workdir).isEmpty, "no corrupt file: \(Self.unreadableFiles(in: workdir))")

            // Space comes back: everything catches up.
            try FileManager.default.removeItem(atPath: filler)
            try await steps.hook(started, sha: head)
            try await DictatorFaultTests.converge(fleet, bare: bare, head: head, policies: policies, fired: [42000],
                                                  acknowledged: fleet.seenReactionPorts(on: "node-0"), dictator: started,
                                                  what: "after space came back")
            #expect(Self.unreadableFiles(in: workdir).isEmpty)
            print("[fault] full disk: rounds survived: 1/1 (recovered once space was freed)")
        } catch {
            await fleet.stop()
            _ = try? await offThePool { [dictator] in dictator?.kill(); daemon.stop() }
            _ = try? await Subprocess.run("/usr/bin/umount", [workdir])
            throw error
        }
        await fleet.stop()
        let stopped = try await offThePool { [dictator] in (dictator?.stop(), daemon.stop()).0 }
        #expect(stopped == 0)
        try await Subprocess.run("/usr/bin/umount", [workdir])
    }

    /// Writes `path` until the file system is full.
    static func fill(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0xAE, count: 64 * 1024)
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// The JSON files under `directory` that do not parse (a half-written file would be one).
    static func unreadableFiles(in directory: String) -> [String] {
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".json") }.filter { file in
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)") else { return true }
            return (try? JSONSerialization.jsonObject(with: data)) == nil
        }
    }
}
