import AeolusModel
import AeolusTesting
import BPFKit
import Foundation
import NetKit
import ProcessKit
import Testing
@testable import Agent

/// Fault rounds for the agent (`make test-faults` runs 20+, `make test` a couple): the real
/// `aeolus agent` is SIGKILLed at random moments while it applies a change (or adopts and applies
/// after a start), started again, and the kernel is compared with the desired set: the tc filters
/// on every pod, the programs, the pins and the agent's report; nothing attached twice, nothing
/// orphaned once the assignment is emptied.
@Suite(.serialized) struct AgentFaultTests {
    /// What a killed agent can leave: a filter it attached (tagged with the node's `FilterTag`)
    /// and never recorded. The next agent removes it before attaching again where it is wanted,
    /// and removes it where nothing is wanted; a filter without the tag is not its own and stays.
    @Test func aFilterAttachedButNeverRecordedIsRemovedOnRestart() async throws {
        try KernelTest.requireRoot()
        let tag = Support.tag()
        let directory = try TemporaryDirectory(prefix: "aeolus-fault-\(tag)")
        let paths = AgentPaths(node: "fault-\(tag)", bpffs: "/sys/fs/bpf", stateDirectory: directory.path("state"))
        let (ingress, egress) = ("fu\(tag)i", "fu\(tag)e")
        try await Support.compileTemplate("pod-traffic", renaming: ["count_ingress": ingress, "count_egress": egress],
                                          to: directory.path("traffic.o"))
        let pods = try await offThePool { [try NetworkNamespace(), try NetworkNamespace()] }
        let cleanup = { @Sendable in await Self.cleanUp(paths, pods: pods) }
        do {
            // The strays: tagged filters on both pods (only the first pod is wanted), and one of
            // someone else's (a kernel-picked handle) on the second.
            let elf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.path("traffic.o"))))
            try await offThePool {
                let object = try LoadedObject.load(elf: elf, name: "fault")
                defer { object.close() }
                let program = try object.program(named: ingress)
                for pod in pods {
                    let point = AttachPoint(program: ingress, hook: .tcIngress, target: pod.interface, netns: pod.path)
                    try program.attachTC(interface: pod.interface, direction: .ingress, namespace: pod.path,
                                     handle: paths.filterTag.handle(probe: "traffic", generation: "killed", point: point)).release()
                }
                try program.attachTC(interface: pods[1].interface, direction: .ingress, namespace: pods[1].path).release()
            }
            #expect(try await Self.filters(pods[0]).count == 1)
            #expect(try await Self.filters(pods[1]).count == 2)

            try Support.writePods([(pods[0], ["app": "web"]), (pods[1], ["app": "db"])], to: directory.path("pods.json"))
            try Support.writeAssignments([
                ["id": "traffic", "objectPath": "traffic.o", "pods": ["matchLabels": ["app": "web"]],
                 "programs": [["name": ingress, "hook": "tc-ingress"]]],
            ], to: directory.path("assignments.json"))
            try await RunningAgent.during(AgentConfiguration(node: paths.node, bpffs: paths.bpffs, stateDirectory: paths.stateDirectory,
                                                             interval: .milliseconds(100)),
                                          assignments: directory.path("assignments.json"), pods: directory.path("pods.json")) { _ in
                _ = try await Support.eventually("the probe live") { () -> Bool? in
                    Support.readState(paths.stateDirectory)?.probes.first?.state == .live ? true : nil
                }
                let wanted = try await Self.filters(pods[0])
                #expect(wanted.count == 1, "one filter on the wanted pod, not the stray beside it: \(wanted)")
                #expect(wanted.allSatisfy { paths.filterTag.marks($0.handle) })
                let recorded = Support.readState(paths.stateDirectory)?.probes.first?.attachments.count
                #expect(recorded == 1)
                let other = try await Self.filters(pods[1])
                #expect(other.count == 1, "the stray gone, someone else's filter kept: \(other)")
                #expect(other.allSatisfy { !paths.filterTag.marks($0.handle) })
            }
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    /// The same for a link: one pinned in a recorded probe's `links/` folder that the record does
    /// not name (a kill between the pin and the record) is unpinned by the next agent, which
    /// detaches it: the program does not run twice.
    @Test func aLinkPinnedButNeverRecordedIsRemovedOnRestart() async throws {
        try KernelTest.requireRoot()
        let tag = Support.tag()
        let directory = try TemporaryDirectory(prefix: "aeolus-fault-\(tag)")
        let paths = AgentPaths(node: "fault-\(tag)", bpffs: "/sys/fs/bpf", stateDirectory: directory.path("state"))
        let program = "fl\(tag)"
        try await Support.compileTemplate("tcp-states", renaming: ["on_set_state": program], to: directory.path("states.o"))
        try Support.writePods([], to: directory.path("pods.json"))
        try Support.writeAssignments([
            ["id": "states", "objectPath": "states.o",
             "programs": [["name": program, "hook": "tracepoint", "target": "sock/inet_sock_set_state"]]],
        ], to: directory.path("assignments.json"))
        let configuration = AgentConfiguration(node: paths.node, bpffs: paths.bpffs, stateDirectory: paths.stateDirectory,
                                               interval: .milliseconds(100))
        func runAgent(after: Date) async throws {
            try await RunningAgent.during(configuration, assignments: directory.path("assignments.json"), pods: directory.path("pods.json")) { _ in
                _ = try await Support.eventually("the probe live") { () -> Bool? in
                    guard let state = Support.readState(paths.stateDirectory), state.updated > after else { return nil }
                    return state.probes.first?.state == .live ? true : nil
                }
            }
        }
        do {
            try await runAgent(after: .distantPast)
            let probeFolder = paths.probeDirectory(forProbe: "states")
            let version = try #require(try FileManager.default.contentsOfDirectory(atPath: probeFolder).first)
            let links = "\(probeFolder)/\(version)/links"
            #expect(try FileManager.default.contentsOfDirectory(atPath: links).count == 1)

            // The stray: the program loaded and attached again, its link pinned beside the recorded one.
            let elf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.path("states.o"))))
            try await offThePool {
                let object = try LoadedObject.load(elf: elf, name: "fault")
                defer { object.close() }
                let link = try object.program(named: program).attachTracepoint(category: "sock", name: "inet_sock_set_state")
                defer { link.close() }
                try link.pin(at: links + "/stray")
            }
            #expect(try await World.programs().filter { $0.name == program }.count == 2)

            try await runAgent(after: Date())
            #expect(try FileManager.default.contentsOfDirectory(atPath: links).count == 1, "the stray pin removed, the recorded one kept")
            #expect(try await Self.programCount(program, becomes: 1), "the stray link detached with its pin")
        } catch {
            await Self.cleanUp(paths, pods: [])
            throw error
        }
        await Self.cleanUp(paths, pods: [])
        #expect(try await Self.programCount(program, becomes: 0))
    }

    /// Whether the number of loaded programs called `name` reaches `count` within 30 s (a
    /// program goes once its last link is released, which the kernel finishes asynchronously).
    static func programCount(_ name: String, becomes count: Int) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await World.programs().filter({ $0.name == name }).count == count { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// SIGKILL at random moments of apply (a change while running, or adoption and apply right
    /// after a start), restart, compare.
    @Test func sigkillMidApplyRounds() async throws {
        try KernelTest.requireRoot()
        let rounds = FaultRounds(scenario: "agent SIGKILL mid-apply")
        var random = SeededRandom(seed: rounds.seed)
        let tag = Support.tag()
        let directory = try TemporaryDirectory(prefix: "aeolus-fault-\(tag)")
        let paths = AgentPaths(node: "fault-\(tag)", bpffs: "/sys/fs/bpf", stateDirectory: directory.path("state"))
        let catalogue = Catalogue(tag: tag)
        try await catalogue.compile(into: directory)
        let pods = try await offThePool { try (0..<6).map { _ in try NetworkNamespace() } }
        let labels = [["app": "web"], ["app": "web"], ["app": "db"], ["app": "web"], ["app": "db"], ["app": "db"]]
        try Support.writePods(Array(zip(pods, labels)), to: directory.path("pods.json"))
        let arguments = ["--node", paths.node, "--assignments", directory.path("assignments.json"), "--pods", directory.path("pods.json"),
                         "--state-dir", paths.stateDirectory, "--listen", "none", "--interval", "0.2"]
        let agent = AgentUnderTest(arguments: arguments, logs: directory.path("agent"))
        let world = World(paths: paths, pods: pods, labels: labels, catalogue: catalogue)
        var survived = 0, midApply = 0
        do {
            var current: [String: Int] = ["traffic-a": 0, "states": 0]
            try catalogue.write(current, to: directory.path("assignments.json"))
            try await agent.start()
            try await world.converge(on: current, after: .distantPast, agent: agent, what: "the first set")
            for round in 0..<rounds.count {
                var next = current
                while next == current { next = catalogue.randomSet(using: &random) }
                // Killed a few milliseconds after the agent logged its first step, at a random
                // moment after the change, or at a random moment after a start (adoption, then apply).
                let mode = Int.random(in: 0..<3, using: &random)
                let delay = mode == 0 ? Int.random(in: 0...25, using: &random) : Int.random(in: 0...300, using: &random)
                let moment: String
                switch mode {
                case 0:
                    let logged = agent.logLength
                    try catalogue.write(next, to: directory.path("assignments.json"))
                    let stepped = await agent.waitForStep(after: logged)
                    moment = stepped ? "its first step" : "the change (no step logged)"
                case 1:
                    try catalogue.write(next, to: directory.path("assignments.json"))
                    moment = "the change"
                default:
                    await agent.kill()
                    try catalogue.write(next, to: directory.path("assignments.json"))
                    try await agent.start()
                    moment = "a start"
                }
                try await Task.sleep(for: .milliseconds(delay))
                await agent.kill()
                let left = try await world.filterNames()
                let between = left != world.expectedFilters(current) && left != world.expectedFilters(next)
                if between { midApply += 1 }
                rounds.round(round, "\(catalogue.describe(current)) → \(catalogue.describe(next)), killed \(delay) ms after \(moment)"
                             + (between ? ", mid-apply" : ""))
                let restarted = Date()
                try await agent.start()
                try await world.converge(on: next, after: restarted, agent: agent, what: "round \(round + 1) (seed \(rounds.seed))")
                survived += 1
                current = next
            }
            rounds.survived(survived, "\(midApply) killed mid-apply; the restarts removed \(agent.count("removed tc filter")) unrecorded "
                            + "filter(s) and \(agent.count("removed link pin")) link pin(s)")

            // Emptied: nothing of the agent's stays in the kernel or on bpffs.
            try catalogue.write([:], to: directory.path("assignments.json"))
            let emptied = Date()
            try await world.converge(on: [:], after: emptied, agent: agent, what: "the empty set")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: paths.pinRoot)) ?? []).isEmpty)
            #expect(await agent.stop() == .exited(0))
        } catch {
            rounds.survived(survived, "failed")
            await agent.kill()
            await Self.cleanUp(paths, pods: pods)
            throw error
        }
        await agent.kill()
        await Self.cleanUp(paths, pods: pods)
    }

    /// The filters on `pod`'s interface (ingress, then egress).
    static func filters(_ pod: NetworkNamespace) async throws -> [TrafficControlFilter] {
        try await offThePool { try NetworkNamespaceFile.run(in: pod.path) { try RouteNetlink.filters(interface: pod.interface) } }
    }

    /// Removes what the agent of `paths` may have left, then the pods.
    static func cleanUp(_ paths: AgentPaths, pods: [NetworkNamespace]) async {
        _ = try? await offThePool {
            Applier.purge(paths, pods: pods.map { Pod(name: $0.name, netns: $0.path, interface: $0.interface, hostInterface: $0.hostInterface) })
            pods.forEach { $0.close() }
        }
    }
}

/// The probes the rounds choose from: pod-traffic three times (both directions on every pod;
/// ingress on the web pods; egress on the db pod) and tcp-states on a tracepoint, each compiled
/// with program names of its own. `traffic-a` comes in two variants (map sizes) whose change is a
/// make-before-break replacement on every pod.
struct Catalogue: Sendable {
    let tag: String
    var aIngress: String { "fa\(tag)i" }
    var aEgress: String { "fa\(tag)e" }
    var bIngress: String { "fb\(tag)i" }
    var cEgress: String { "fc\(tag)e" }
    var states: String { "fs\(tag)" }
    var ids: [String] { ["traffic-a", "traffic-b", "traffic-c", "states"] }
    /// The names of the tc programs the catalogue attaches.
    var tcNames: Set<String> { [aIngress, aEgress, bIngress, cEgress] }
    /// Every program name of the catalogue's objects.
    var programNames: Set<String> { [aIngress, aEgress, bIngress, "fb\(tag)e", "fc\(tag)i", cEgress, states] }

    func compile(into directory: TemporaryDirectory) async throws {
        for letter in ["a", "b", "c"] {
            try await Support.compileTemplate("pod-traffic", renaming: ["count_ingress": "f\(letter)\(tag)i", "count_egress": "f\(letter)\(tag)e"],
                                              to: directory.path("traffic-\(letter).o"))
        }
        try await Support.compileTemplate("tcp-states", renaming: ["on_set_state": states], to: directory.path("states.o"))
    }

    /// A random set: each probe in or out, `traffic-a` in one of its variants.
    func randomSet(using random: inout SeededRandom) -> [String: Int] {
        var set: [String: Int] = [:]
        for id in ids where Int.random(in: 0..<10, using: &random) < 6 {
            set[id] = id == "traffic-a" ? Int.random(in: 0...1, using: &random) : 0
        }
        return set
    }

    func describe(_ set: [String: Int]) -> String {
        set.isEmpty ? "{}" : "{" + set.keys.sorted().map { $0 == "traffic-a" ? "\($0)#\(set[$0]!)" : $0 }.joined(separator: ", ") + "}"
    }

    /// Writes the assignment file for `set`.
    func write(_ set: [String: Int], to path: String) throws {
        let probes: [[String: Any]] = set.keys.sorted().map { id in
            switch id {
            case "traffic-a":
                return ["id": id, "objectPath": "traffic-a.o", "load": ["maxEntries": ["traffic": set[id] == 0 ? 4096 : 2048]],
                        "programs": [["name": aIngress, "hook": "tc-ingress"], ["name": aEgress, "hook": "tc-egress"]]]
            case "traffic-b":
                return ["id": id, "objectPath": "traffic-b.o", "pods": ["matchLabels": ["app": "web"]],
                        "programs": [["name": bIngress, "hook": "tc-ingress"]]]
            case "traffic-c":
                return ["id": id, "objectPath": "traffic-c.o", "pods": ["matchLabels": ["app": "db"]],
                        "programs": [["name": cEgress, "hook": "tc-egress"]]]
            default:
                return ["id": id, "objectPath": "states.o",
                        "programs": [["name": states, "hook": "tracepoint", "target": "sock/inet_sock_set_state"]]]
            }
        }
        try Support.writeAssignments(probes, to: path)
    }
}

/// The real `aeolus agent`, started and killed over and over; each start logs to a file of its own.
final class AgentUnderTest: @unchecked Sendable {
    // `@unchecked Sendable`: used by one test task at a time.
    private let arguments: [String]
    private let logs: String
    private var process: ChildProcess?
    private var starts = 0

    init(arguments: [String], logs: String) {
        self.arguments = arguments
        self.logs = logs
    }

    func start() async throws {
        starts += 1
        let (binary, arguments, log) = (try Support.aeolusBinary(), ["agent"] + arguments, "\(logs)-\(starts).log")
        process = try await offThePool { try ChildProcess(binary, arguments, standardOutput: .file(log), standardError: .file(log)) }
    }

    func kill() async {
        _ = await process?.kill()
        process = nil
    }

    func stop() async -> TerminationStatus? {
        defer { process = nil }
        return await process?.terminate(grace: .seconds(20))
    }

    /// The size of the current start's log.
    var logLength: Int { (try? FileManager.default.attributesOfItem(atPath: "\(logs)-\(starts).log")[.size] as? Int) ?? 0 }

    /// Waits (polling on a thread of its own, at most 10 s) until the current start's log has a
    /// plan step (`install`, `replace`, `attach`, `detach`, `remove`, `update`) past `offset`.
    func waitForStep(after offset: Int) async -> Bool {
        let path = "\(logs)-\(starts).log"
        return (try? await offThePool { () -> Bool in
            let deadline = ContinuousClock.now + .seconds(10)
            let steps = ["] install ", "] replace ", "] attach ", "] detach ", "] remove ", "] update "]
            while ContinuousClock.now < deadline {
                if let data = FileManager.default.contents(atPath: path), data.count > offset {
                    let text = String(decoding: data.dropFirst(offset), as: UTF8.self)
                    if steps.contains(where: text.contains) { return true }
                }
                usleep(500)
            }
            return false
        }) ?? false
    }

    /// How many lines of every start's log contain `text`.
    func count(_ text: String) -> Int {
        (1...max(1, starts)).map { index in
            ((try? String(contentsOfFile: "\(logs)-\(index).log", encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(text) }.count
        }.reduce(0, +)
    }

    /// The end of the last two starts' logs, for a failure message.
    var recentLogs: String {
        (max(1, starts - 1)...max(1, starts)).map { index in
            let text = (try? String(contentsOfFile: "\(logs)-\(index).log", encoding: .utf8)) ?? ""
            return "--- start \(index):\n" + text.split(separator: "\n").suffix(30).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

/// The kernel, bpffs and the agent's report as the rounds check them.
struct World: Sendable {
    let paths: AgentPaths
    let pods: [NetworkNamespace]
    let labels: [[String: String]]
    let catalogue: Catalogue

    /// Per pod, the filters `set` wants: `direction:program`, sorted (a duplicate shows twice).
    func expectedFilters(_ set: [String: Int]) -> [[String]] {
        labels.map { labels in
            var names: [String] = []
            if set["traffic-a"] != nil { names += ["ingress:\(catalogue.aIngress)", "egress:\(catalogue.aEgress)"] }
            if set["traffic-b"] != nil, labels["app"] == "web" { names.append("ingress:\(catalogue.bIngress)") }
            if set["traffic-c"] != nil, labels["app"] == "db" { names.append("egress:\(catalogue.cEgress)") }
            return names.sorted()
        }
    }

    /// Per pod, the filters there are, named like `expectedFilters`.
    func filterNames() async throws -> [[String]] {
        var result: [[String]] = []
        for pod in pods {
            result.append(try await AgentFaultTests.filters(pod).map { filter in
                "\(filter.direction.rawValue):" + (filter.name ?? "?").prefix { $0 != ":" }
            }.sorted())
        }
        return result
    }

    /// Waits (generously) until the kernel, bpffs and a report written after `after` match
    /// `set`; records an issue with what differs and the agent's logs otherwise.
    func converge(on set: [String: Int], after: Date, agent: AgentUnderTest, what: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var differences: [String] = []
        while ContinuousClock.now < deadline {
            differences = try await compare(with: set, after: after)
            if differences.isEmpty { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let listed = differences.joined(separator: "\n")
        Issue.record("\(what): after 60 s the node still differs from \(catalogue.describe(set)):\n\(listed)\n\(agent.recentLogs)")
        throw Support.TimedOut(what: what)
    }

    /// What differs between the node and `set` (empty: nothing).
    func compare(with set: [String: Int], after: Date) async throws -> [String] {
        var differences: [String] = []
        // The report.
        let state = Support.readState(paths.stateDirectory)
        if let state, state.updated > after {
            let ids = state.probes.map(\.id).sorted()
            if ids != set.keys.sorted() { differences.append("report: probes \(ids)") }
            for probe in state.probes where probe.state != .live { differences.append("report: \(probe.id) \(probe.state): \(probe.reason ?? "")") }
            let expectedCount = expectedFilters(set).map(\.count).reduce(0, +) + (set["states"] != nil ? 1 : 0)
            let count = state.probes.map(\.attachments.count).reduce(0, +)
            if count != expectedCount { differences.append("report: \(count) attachments, expected \(expectedCount)") }
        } else {
            differences.append("report: none written since the start")
        }
        // The filters: exactly the wanted ones, once each, all tagged.
        let names = try await filterNames()
        if names != expectedFilters(set) { differences.append("filters: \(names), expected \(expectedFilters(set))") }
        var filterPrograms: Set<UInt32> = []
        for pod in pods {
            for filter in try await AgentFaultTests.filters(pod) {
                if !paths.filterTag.marks(filter.handle) { differences.append("filter without the node's tag: \(filter)") }
                if let id = filter.programID { filterPrograms.insert(id) }
            }
        }
        // Programs: each one of the attached tc programs runs in a filter (the running agent also
        // holds the objects it loaded, with their unattached siblings); one tracepoint program;
        // none at all once nothing is wanted.
        let programs = try await Self.programs().filter { catalogue.programNames.contains($0.name) }
        let tcPrograms = Set(programs.filter { catalogue.tcNames.contains($0.name) }.map(\.id))
        if tcPrograms != filterPrograms { differences.append("tc programs loaded \(tcPrograms.sorted()), run by filters \(filterPrograms.sorted())") }
        if set.isEmpty, !programs.isEmpty { differences.append("programs still loaded: \(programs.map { "\($0.name)#\($0.id)" })") }
        let statePrograms = programs.filter { $0.name == catalogue.states }.count
        if statePrograms != (set["states"] != nil ? 1 : 0) { differences.append("\(statePrograms) tracepoint programs loaded") }
        // Pins and records: one version folder per probe; the tracepoint's link pin, once.
        let fm = FileManager.default
        let probeFolders = Set((try? fm.contentsOfDirectory(atPath: paths.pinRoot)) ?? [])
        let expectedFolders = Set(set.keys.map(AgentPaths.key(forProbe:)))
        if probeFolders != expectedFolders { differences.append("pin folders \(probeFolders.sorted()), expected \(expectedFolders.sorted())") }
        for folder in probeFolders {
            let versions = (try? fm.contentsOfDirectory(atPath: "\(paths.pinRoot)/\(folder)")) ?? []
            if versions.count != 1 { differences.append("\(folder): versions \(versions)") }
            for version in versions {
                let links = (try? fm.contentsOfDirectory(atPath: "\(paths.pinRoot)/\(folder)/\(version)/links")) ?? []
                let wanted = folder == AgentPaths.key(forProbe: "states") ? 1 : 0
                if links.count != wanted { differences.append("\(folder)/\(version): link pins \(links)") }
            }
        }
        let records = Set(((try? fm.contentsOfDirectory(atPath: paths.recordDirectory)) ?? []).filter { $0.hasSuffix(".json") })
        if records != Set(expectedFolders.map { $0 + ".json" }) { differences.append("records \(records.sorted())") }
        return differences
    }

    /// Every loaded program's id and name (`bpftool prog show`).
    static func programs() async throws -> [(id: UInt32, name: String)] {
        let output = try await Subprocess.run("/usr/sbin/bpftool", ["-j", "prog", "show"]).standardOutput
        let list = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
        return list.compactMap { entry in
            guard let id = (entry["id"] as? NSNumber)?.uint32Value, let name = entry["name"] as? String else { return nil }
            return (id, name)
        }
    }
}
