import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import RemoteWrite
import Synchronization
import Testing

/// Fault rounds for the dictator (`make test-faults` runs 20+, `make test` a couple): the real
/// `aeolus dictator`, a `git daemon` and a few agents speaking the agent API; each round pushes a
/// policy change (the kill lands in the reconcile or in the status push after it) or fires a
/// reaction by remote write, SIGKILLs the dictator at a random moment, restarts it, and checks:
/// every agent's assignment holds the policies of git's head, the status branch catches up with
/// it, and every reaction an agent had received is on the status branch once (never twice).
@Suite(.serialized) struct DictatorFaultTests {
    static let policyPool = ["extra-0", "extra-1", "extra-2", "extra-3"]

    @Test func sigkillDuringReconcileStatusPushAndReactionRounds() async throws {
        let rounds = FaultRounds(scenario: "dictator SIGKILL")
        var random = SeededRandom(seed: rounds.seed)
        let temp = try TemporaryDirectory(prefix: "aeolus-dictator-fault")
        defer { temp.remove() }
        let (daemon, bare) = try await EndToEnd.serve(try ReactionAndStatusPageTests.seedFiles(), in: temp)
        let work = temp.path("work")
        try await Git.run(["clone", "--quiet", daemon.url("config.git"), work])
        let arguments = EndToEnd.dictatorArguments(daemon, in: temp)
        let log = temp.path("dictator.log")
        var dictator = try await offThePool { try DictatorProcess(arguments: arguments, logFile: log) }
        let steps = EndToEnd()
        let fleet = FakeFleet(nodes: ["node-0", "node-1", "node-2"])
        var survived = 0
        do {
            try await steps.waitReady(dictator)
            fleet.start(url: dictator.url)
            var policies: Set<String> = ["retransmits"]
            var head = try await Git.run(["-C", work, "rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
            try await Self.converge(fleet, bare: bare, head: head, policies: policies, fired: [], acknowledged: [], dictator: dictator,
                                    what: "the start")
            var fired: [Int] = []
            var acknowledged: Set<Int> = []
            var statusBehind = 0, reactionsUnwritten = 0
            for round in 0..<rounds.count {
                let kind = Int.random(in: 0..<3, using: &random)
                let delay: Int
                switch kind {
                case 0, 1:
                    // A push and the webhook; killed in the reconcile it starts, or once the agents
                    // hold the new set, in the status push that follows.
                    let name = Self.policyPool.randomElement(using: &random)!
                    if policies.contains(name) { policies.remove(name) } else { policies.insert(name) }
                    head = try await steps.push(work, files: ["policies/e2e.yaml": Self.policiesFile(policies)],
                                                message: "round \(round + 1): \(policies.sorted())")
                    try await steps.hook(dictator, sha: head)
                    delay = kind == 0 ? Int.random(in: 0...150, using: &random) : Int.random(in: 0...250, using: &random)
                    if kind == 1 {
                        let wanted = policies
                        _ = await EndToEnd.eventually(30) { await Self.compare(fleet, bare: nil, head: head, policies: wanted, fired: [], acknowledged: []).isEmpty }
                    }
                default:
                    // Events that fire an edge: a reaction, its follow-up probe, its status file.
                    let dport = 40_000 + round
                    fired.append(dport)
                    let now = Date()
                    _ = try? await Self.write(dictator.url, try ReactionAndStatusPageTests.retransmits(10, at: now.addingTimeInterval(-2), node: "node-0", dport: "\(dport)"))
                    _ = try? await Self.write(dictator.url, try ReactionAndStatusPageTests.retransmits(20, at: now, node: "node-0", dport: "\(dport)"))
                    delay = Int.random(in: 0...300, using: &random)
                }
                try await Task.sleep(for: .milliseconds(delay))
                try await offThePool { [dictator] in dictator.kill() }
                // What an agent received before the kill must survive it, written or not yet.
                acknowledged.formUnion(fleet.seenReactionPorts(on: "node-0"))
                let written = await Self.reactionFiles(bare, ports: fired)
                let unwritten = acknowledged.filter { written[$0] == nil }.count
                let behind = !(await EndToEnd.statusFile(bare, "status/summary.yaml") ?? "").contains(head)
                if behind { statusBehind += 1 }
                reactionsUnwritten += unwritten
                rounds.round(round, ["push, kill in reconcile", "push, kill in status push", "reaction"][kind]
                             + " after \(delay) ms" + (behind ? " (status not pushed yet)" : "")
                             + (unwritten > 0 ? " (\(unwritten) acknowledged reaction(s) not written yet)" : "")
                             + "; policies \(policies.sorted()), reactions acknowledged \(acknowledged.count)/\(fired.count)")
                let port = dictator.port
                dictator = try await offThePool { try DictatorProcess(arguments: arguments, port: port, logFile: log) }
                try await steps.waitReady(dictator)
                try await Self.converge(fleet, bare: bare, head: head, policies: policies, fired: fired, acknowledged: acknowledged,
                                        dictator: dictator, what: "round \(round + 1) (seed \(rounds.seed))")
                survived += 1
            }
            rounds.survived(survived, "\(acknowledged.count) reaction(s) acknowledged of \(fired.count) fired; killed \(statusBehind) time(s) "
                            + "before the status branch had the head, \(reactionsUnwritten) time(s) with an acknowledged reaction not yet written")
        } catch {
            rounds.survived(survived, "failed")
            await fleet.stop()
            _ = try? await offThePool { [dictator] in dictator.kill(); daemon.stop() }
            throw error
        }
        await fleet.stop()
        let stopped = try await offThePool { [dictator] in (dictator.stop(), daemon.stop()).0 }
        #expect(stopped == 0, "graceful stop:\n\(dictator.log.suffix(3000))")
    }

    /// The policy file for `names` (each the tcp-retransmits template on the worker nodes).
    static func policiesFile(_ names: Set<String>) -> String {
        names.sorted().map { EndToEnd.policy($0, template: "tcp-retransmits") }.joined(separator: "\n---\n")
    }

    static func write(_ url: String, _ body: [UInt8]) async throws -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        for (name, value) in RemoteWrite.requestHeaders { headers.add(name: name, value: value) }
        return try await HTTPClient(bearerToken: "agent-token").send(HTTPRequest(method: .post, url: url + AgentAPI.remoteWrite,
                                                                                 headers: headers, body: body, timeout: .seconds(5)))
    }

    /// Waits (generously) until the fleet's assignments, the status branch and the reactions
    /// agree with git's `head` and the reactions `fired`; records what differs otherwise.
    static func converge(_ fleet: FakeFleet, bare: String, head: String, policies: Set<String>, fired: [Int], acknowledged: Set<Int>,
                         dictator: DictatorProcess, what: String) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        var differences: [String] = []
        while ContinuousClock.now < deadline {
            differences = await compare(fleet, bare: bare, head: head, policies: policies, fired: fired, acknowledged: acknowledged)
            if differences.isEmpty { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = String(dictator.log.suffix(6000))
        let listed = differences.joined(separator: "\n")
        Issue.record("\(what): after 90 s:\n\(listed)\n--- dictator log:\n\(log)")
        throw EndToEndTimeout(what: what)
    }

    /// What differs (empty: nothing); without `bare`, only the fleet's assignments are compared.
    static func compare(_ fleet: FakeFleet, bare: String?, head: String, policies: Set<String>, fired: [Int],
                        acknowledged: Set<Int>) async -> [String] {
        var differences: [String] = []
        let wanted = policies.map { "policy/e2e/\($0)" }.sorted()
        let latest = fleet.latest()
        for node in fleet.nodes {
            let ids = ((latest[node] ?? nil)?.probes ?? []).map(\.id).filter { $0.hasPrefix("policy/") }.sorted()
            if ids != wanted { differences.append("\(node): policies \(ids), expected \(wanted)") }
        }
        guard let bare else { return differences }
        let summary = await EndToEnd.statusFile(bare, "status/summary.yaml") ?? ""
        if !summary.contains(head) { differences.append("status summary not at \(head.prefix(12)): \(summary.prefix(300))") }
        // Reactions: one file per acknowledged one, never two for one trigger, each added once.
        let filesByPort = await reactionFiles(bare, ports: fired)
        for port in fired where (filesByPort[port] ?? 0) > 1 { differences.append("reaction for dport \(port) recorded \(filesByPort[port]!) times") }
        for port in acknowledged where filesByPort[port] == nil { differences.append("acknowledged reaction for dport \(port) lost") }
        let added = ((try? await Git.run(["--git-dir", bare, "log", "--diff-filter=A", "--name-only", "--format=", "aeolus/status",
                                           "--", "status/reactions"])) ?? "").split(separator: "\n").map(String.init)
        for (file, count) in Dictionary(added.map { ($0, 1) }, uniquingKeysWith: +) where count > 1 {
            differences.append("\(file) added by \(count) commits")
        }
        return differences
    }

    /// Per trigger port of `ports`, how many reaction files on the status branch name it.
    static func reactionFiles(_ bare: String, ports: [Int]) async -> [Int: Int] {
        let files = ((try? await Git.run(["--git-dir", bare, "ls-tree", "-r", "--name-only", "aeolus/status", "--", "status/reactions"])) ?? "")
            .split(separator: "\n").map(String.init)
        var filesByPort: [Int: Int] = [:]
        for file in files {
            let text = await EndToEnd.statusFile(bare, file) ?? ""
            for port in ports where text.contains("\(port)") { filesByPort[port, default: 0] += 1 }
        }
        return filesByPort
    }
}

/// A timed-out wait of the fault rounds.
struct EndToEndTimeout: Error { var what: String }

/// A few agents speaking the agent API as the real one does, minus the kernel: each registers
/// (with what it runs, so a restarted dictator takes back reactions it had not written down),
/// polls its assignment, and registers again after a failure.
final class FakeFleet: Sendable {
    let nodes: [String]
    private let state = Mutex<[String: NodeAssignment?]>([:])
    private let seenPorts = Mutex<[String: Set<Int>]>([:])
    private let tasks = Mutex<[Task<Void, Never>]>([])

    init(nodes: [String]) { self.nodes = nodes }

    /// Starts every agent against the dictator at `url`.
    func start(url: String) {
        for node in nodes {
            let task = Task { await self.run(node, url: url) }
            tasks.withLock { $0.append(task) }
        }
    }

    func stop() async {
        let running = tasks.withLock { $0 }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    /// Node → the assignment it holds now.
    func latest() -> [String: NodeAssignment?] { state.withLock { $0 } }

    /// The dports of the follow-up probes `node` has received.
    func seenReactionPorts(on node: String) -> Set<Int> { seenPorts.withLock { $0[node] ?? [] } }

    private func run(_ node: String, url: String) async {
        let client = HTTPClient(bearerToken: "agent-token")
        var registered = false
        while !Task.isCancelled {
            do {
                let response: HTTPResponse
                if registered {
                    response = try await client.send(HTTPRequest(url: url + AgentAPI.assignment(node: node), timeout: .seconds(2)))
                } else {
                    let running = state.withLock { $0[node] ?? nil }.map { assignment in
                        assignment.probes.map { ProbeState(id: $0.id, template: $0.template, digest: $0.digest, state: .live,
                                                           parameters: $0.parameters, annotations: $0.annotations) }
                    }
                    let registration = AgentRegistration(node: node, labels: ["role": "worker"], kernelVersion: "6.18",
                                                         hooks: Hook.supported, probes: running ?? [])
                    response = try await client.send(HTTPRequest(method: .post, url: url + AgentAPI.agents,
                                                                 headers: ["Content-Type": "application/json"],
                                                                 body: Array(try JSONEncoder().encode(registration)), timeout: .seconds(2)))
                }
                if response.status == 200, let assignment = try? JSONDecoder().decode(NodeAssignment.self, from: Data(response.body)) {
                    registered = true
                    state.withLock { $0[node] = assignment }
                    let ports = assignment.probes.filter { $0.template == "flow-latency" }.compactMap { $0.parameters["dport"].flatMap { Int($0) } }
                    seenPorts.withLock { $0[node, default: []].formUnion(ports) }
                } else {
                    registered = false
                }
            } catch {
                registered = false // the dictator is down: register again once it is back
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
