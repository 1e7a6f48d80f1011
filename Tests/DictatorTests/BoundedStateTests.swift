import AeolusModel
import Compiler
import CurlKit
@testable import Dictator
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RemoteWrite
import Testing
import Yams

/// #14: state that grows with series, flows, nodes and reactions stays bounded, and values that
/// cannot be encoded never reach the status.
@Suite struct BoundedStateTests {
    /// A revision with templates `a` and `b` and an edge a → b on metric `m` above 5.
    static func edgeOutcome(revision: String = "r1") -> ReconcileOutcome {
        var outcome = Sample.outcome(revision: revision, templates: [Sample.object("a"), Sample.object("b")], policies: [])
        var edge = Edge(from: "a", when: Trigger(metric: "m", above: 5), deploy: "b")
        edge.name = "a-to-b"
        outcome.edges = [edge]
        return outcome
    }

    static func write(_ values: [Double], node: String = "n1", flow: String = "1") throws -> [UInt8] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try RemoteWrite.encode(WriteRequest(timeseries: [TimeSeries(
            name: "m", labels: ["node": node, "flow": flow],
            samples: values.enumerated().map { Prometheus_Sample(value: $0.element, timestampMilliseconds: now + Int64($0.offset)) })]))
    }

    @Test func nonFiniteEventValuesMakeNoReactionAndTheStatusStaysUp() async throws {
        let server = try await LiveServer()
        let state = server.state
        await state.apply(Self.edgeOutcome())
        _ = await state.register(AgentRegistration(node: "n1", labels: [:], kernelVersion: "6.18", hooks: Hook.supported))
        var headers: HTTPHeaders = [:]
        for (name, value) in RemoteWrite.requestHeaders { headers.add(name: name, value: value) }
        let stale = Double(bitPattern: 0x7ff0_0000_0000_0002)
        let response = try await server.client.send(CurlKit.HTTPRequest(
            method: .post, url: server.base + AgentAPI.remoteWrite, headers: headers,
            body: try Self.write([.infinity, .nan, stale, -.infinity]), timeout: .seconds(30)))
        #expect(response.status == 204)
        #expect(await state.status().reactions.isEmpty, "no reaction from +Inf, NaN or a staleness marker")
        #expect(try await server.get("/api/v1/status", token: "t0ken").status == 200)
        let metrics = String(decoding: try await server.get("/metrics").body, as: UTF8.self)
        for line in ["aeolus_dictator_event_samples_refused_total{reason=\"infinite\"} 2",
                     "aeolus_dictator_event_samples_refused_total{reason=\"nan\"} 1",
                     "aeolus_dictator_event_samples_refused_total{reason=\"stale_marker\"} 1"] {
            #expect(metrics.contains(line), "\(line) in\n\(metrics)")
        }
        // A finite value over the threshold still fires.
        _ = try await server.client.send(CurlKit.HTTPRequest(method: .post, url: server.base + AgentAPI.remoteWrite, headers: headers,
                                                             body: try Self.write([9]), timeout: .seconds(30)))
        #expect(await state.status().reactions.map(\.outcome) == [.active])
        #expect(try await server.get("/api/v1/status", token: "t0ken").status == 200)
        await server.stop()
    }

    /// A status file whose trigger value is not finite (written before the receiver refused such
    /// values, or by hand) is read back and served: the JSON carries it as Prometheus' strings.
    @Test(arguments: [Double.infinity, -Double.infinity, Double.nan])
    func aNonFiniteValueReadBackFromTheStatusBranchIsServed(_ value: Double) throws {
        let started = Date(timeIntervalSince1970: 1_800_000_000)
        let reaction = Reaction(id: "20270115-080000-0000abcd", edge: "a-to-b", from: "a", template: "b",
                                trigger: Reaction.Trigger(metric: "m", labels: ["node": "n1"], value: value, condition: "m > 5", time: started),
                                parameters: [:], nodes: ["n1"], started: started, expires: started.addingTimeInterval(60),
                                ended: started.addingTimeInterval(60), outcome: .expired)
        let yaml = try StatusYAML.encode(reaction)
        let readBack = try YAMLDecoder().decode(Reaction.self, from: yaml)
        #expect(readBack.trigger.value.isNaN == value.isNaN && (value.isNaN || readBack.trigger.value == value))

        let json = try NodeProbeState.makeEncoder().encode([readBack])
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(value.isNaN ? "\"NaN\"" : value > 0 ? "\"+Inf\"" : "\"-Inf\""))
        let decoded = try NodeProbeState.makeDecoder().decode([Reaction].self, from: json)
        #expect(decoded[0].trigger.value.isNaN == value.isNaN)
        #expect(Reaction(annotation: readBack.annotationValue) != nil, "the annotation carries it too")
    }

    @Test func theStatusOfARestoredNonFiniteReactionEncodes() async throws {
        let state = DictatorState(branch: "main")
        let started = Date()
        await state.restoreReactions([Reaction(
            id: "r", edge: "e", from: "a", template: "b",
            trigger: Reaction.Trigger(metric: "m", labels: [:], value: .infinity, condition: "m > 5", time: started),
            parameters: [:], nodes: ["n1"], started: started, expires: started, ended: started, outcome: .expired)])
        let response = try DictatorServer.json(await state.status())
        #expect(response.status == .ok)
    }

    @Test func nodesLostForLongerThanTheirTimeAreForgotten() async {
        var bounds = DictatorBounds()
        bounds.forgetNodesAfter = .seconds(3600)
        let state = DictatorState(branch: "main", bounds: bounds)
        await state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("a")], policies: [Sample.policy("p", template: "a")]))
        let t0 = Date()
        _ = await state.register(AgentRegistration(node: "gone", labels: [:], kernelVersion: "6.18", hooks: []), now: t0)
        _ = await state.register(AgentRegistration(node: "here", labels: [:], kernelVersion: "6.18", hooks: []), now: t0)
        #expect(await state.markLost(timeout: .seconds(60), now: t0.addingTimeInterval(120)) == ["gone", "here"])
        _ = await state.report(NodeProbeState(node: "here", updated: t0), now: t0.addingTimeInterval(3000))
        #expect(await state.expireIdle(now: t0.addingTimeInterval(1800)).isEmpty, "lost, but not for an hour yet")
        #expect(await state.expireIdle(now: t0.addingTimeInterval(4000)) == ["gone"])
        #expect(await state.status().nodes.map(\.node) == ["here"])
        #expect(await state.assignment(node: "gone") == nil)
        #expect(await state.metrics.nodesForgotten == 1)
        #expect(await state.prometheusText().contains("aeolus_dictator_nodes_forgotten_total 1"))
    }

    @Test func endedReactionsWaitingToBeWrittenAreBounded() {
        var bounds = DictatorBounds()
        bounds.maxUnwrittenReactions = 3
        var book = ReactionBook(bounds: bounds)
        let now = Date()
        for index in 0..<5 {
            book.record(Reaction(id: "r\(index)", edge: "e", from: "a", template: "b",
                                 trigger: Reaction.Trigger(metric: "m", labels: [:], value: 9, condition: "m > 5", time: now),
                                 parameters: [:], nodes: [], started: now, expires: now, ended: now, outcome: .refused))
        }
        #expect(book.records.keys.sorted() == ["r2", "r3", "r4"])
        #expect(book.unwritten.sorted() == ["r2", "r3", "r4"])
        #expect(book.droppedRecords == 2)
        book.written(book.records["r2"]!)
        #expect(book.records.count == 2)
    }

    /// #14: with 120,000 distinct flow series through the dictator, a new flow crossing the edge's
    /// threshold still deploys its follow-up probe; the series gauge stays at the bound.
    @Test func aNewFlowStillReactsAfterAFloodOfSeries() async {
        var bounds = DictatorBounds()
        bounds.maxEventSeries = 1_000
        let state = DictatorState(branch: "main", bounds: bounds)
        await state.apply(Self.edgeOutcome())
        _ = await state.register(AgentRegistration(node: "n1", labels: [:], kernelVersion: "6.18", hooks: []))
        let now = Date().timeIntervalSince1970
        for chunk in stride(from: 0, to: 120_000, by: 20_000) {
            let series = (chunk..<chunk + 20_000).map {
                EventSeries(metric: "m", labels: ["node": "n1", "flow": "\($0)"], samples: [(value: 1, time: now)])
            }
            #expect(await state.ingest(series).isEmpty)
        }
        let reactions = await state.ingest([EventSeries(metric: "m", labels: ["node": "n1", "flow": "new"], samples: [(value: 9, time: now)])])
        #expect(reactions.map(\.outcome) == [.active])
        let metrics = await state.prometheusText()
        #expect(metrics.contains("aeolus_dictator_event_series 1000\n"))
        #expect(metrics.contains("aeolus_dictator_event_series_evicted_total 119001\n"))
    }

    @Test func idleEventSeriesExpireOnTheHousekeepingTick() async {
        var bounds = DictatorBounds()
        bounds.eventSeriesIdle = .seconds(60)
        let state = DictatorState(branch: "main", bounds: bounds)
        await state.apply(Self.edgeOutcome())
        let now = Date()
        await state.ingest([EventSeries(metric: "m", labels: ["flow": "1"], samples: [(value: 1, time: now.timeIntervalSince1970)])])
        await state.expireIdle(now: now.addingTimeInterval(30))
        #expect(await state.prometheusText().contains("aeolus_dictator_event_series 1\n"))
        await state.expireIdle(now: now.addingTimeInterval(90))
        let metrics = await state.prometheusText()
        #expect(metrics.contains("aeolus_dictator_event_series 0\n"))
        #expect(metrics.contains("aeolus_dictator_event_series_expired_total 1\n"))
    }

    /// #14: a 2 MB policies file is refused before it is decoded; the reconciler keeps its last
    /// good objects and says which file and which limit.
    @Test func theReconcilerRefusesARevisionOverTheLimits() throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-limits-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        var reconciler = Reconciler(compiler: RepositoryCompiler(compiler: BPFCompiler(clang: try Clang.locate(),
                                                                                      cache: try ObjectCache(directory: cache))),
                                    lastGood: ["a": Sample.object("a")])
        let outcome = reconciler.reconcile(snapshot: ["policies/all.yaml": Data(count: 2 << 20)], revision: "r2")
        let refused = try #require(outcome.refused)
        #expect(refused.map(\.file) == ["policies/all.yaml"])
        #expect(refused[0].message.contains("limits.maxFileBytes (1048576)"))
        #expect(reconciler.lastGood.keys.sorted() == ["a"])
    }

    @Test func aRevisionOverTheLimitsIsRefusedAndTheLastGoodStaysLive() async {
        let state = DictatorState(branch: "main")
        await state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("a")], policies: [Sample.policy("p", template: "a")]))
        var refused = Sample.outcome(revision: "r2", templates: [], policies: [])
        refused.refused = [Diagnostic(at: SourceLocation(file: "policies/huge.yaml"), "above limits.maxFileBytes")]
        await state.apply(refused)
        #expect(await state.revision == "r1")
        #expect(await state.refusedRevision == "r2")
        let status = await state.status()
        #expect(status.errors.first { $0.template == TemplateErrors.repository }?.errors.first?.file == "policies/huge.yaml")
        #expect(await state.desiredState.probes.count == 1, "r1's policy stays")
    }
}

/// A watch whose connection drops leaves no continuation behind: the next heartbeat write fails,
/// the stream ends and the watcher is removed.
@Suite struct DroppedWatchTests {
    @Test func aDroppedWatchConnectionRemovesItsWatcher() async throws {
        let server = try await LiveServer(heartbeat: .milliseconds(50))
        await server.state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: []))
        _ = await server.state.register(AgentRegistration(node: "n1", labels: [:], kernelVersion: "6.18", hooks: []))
        let port = UInt16(server.base.split(separator: ":").last!)!
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let request = "GET \(AgentAPI.assignment(node: "n1"))?watch=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer t0ken\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(recv(fd, &buffer, buffer.count, 0) > 0, "the watch answered")
        #expect(await server.state.metrics.watchers == 1)
        close(fd)
        let gone = try await EndToEnd.eventually(30) { await server.state.metrics.watchers == 0 }
        #expect(gone, "the dropped watch's continuation is removed")
        await server.stop()
    }
}
