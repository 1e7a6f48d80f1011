import AeolusModel
@testable import Agent
import AeolusTesting
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Agents that lose a dictator together come back spread over the backoff window, not in one
/// instant: a restarted dictator answers 503 until it has reconciled, and every agent retries on
/// its own jittered schedule.
struct DictatorReconnectTests {
    @Test func agentsReconnectingToARestartedDictatorAreSpread() async throws {
        let agents = 20
        let refusing = Duration.milliseconds(1500)
        // The refusal window starts once every agent has tried: on a loaded machine their first
        // attempts may be spread over seconds, and each must meet a dictator that still refuses.
        let dictator = RestartingDictator(refusingFor: refusing, afterFirstAttemptsOf: agents)
        try await dictator.start()
        let started = ContinuousClock.now
        let registered = try await withThrowingTaskGroup(of: (String, ContinuousClock.Instant).self) { group in
            // Generous: on a loaded machine registrations may take long; none must take for ever.
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                return ("", ContinuousClock.now)
            }
            for index in 0..<agents {
                let node = "spread-\(index)"
                group.addTask {
                    let client = DictatorClient(baseURL: dictator.url, token: nil,
                                                registration: AgentRegistration(node: node, kernelVersion: "6.18", hooks: []))
                    var logger = Logger(label: "test")
                    logger.logLevel = .critical
                    let source = DictatorDesiredSource(client: client, logger: logger)
                    for try await _ in source.assignments() { return (node, ContinuousClock.now) }
                    throw CancellationError()
                }
            }
            var registered: [String: ContinuousClock.Instant] = [:]
            while registered.count < agents, let (node, instant) = try await group.next(), !node.isEmpty {
                registered[node] = instant
            }
            group.cancelAll()
            return registered
        }
        await dictator.stop()

        let attempts = dictator.attempts
        func ms(_ duration: Duration) -> Int { Int(duration / .milliseconds(1)) }
        // Each agent's first attempt met the restarted dictator at about the same instant; its
        // first retry came after its own draw from [0, 200 ms].
        let firstRetries = attempts.values.filter { $0.count > 1 }.map { $0[1] - $0[0] }.sorted()
        let firstRetryInstants = attempts.values.filter { $0.count > 1 }.map { ms($0[1] - started) }.sorted()
        let refusedUntil = dictator.startedRefusing + refusing
        let refusedAttempts = attempts.values.map { tries in tries.filter { $0 < refusedUntil }.count }.sorted()
        let through = registered.values.map { ms($0 - started) }.sorted()
        print("""
            \(agents) agents against a dictator refusing for \(ms(refusing)) ms:
              first retry after the first attempt (ms): \(firstRetries.map(ms))
              first retries at (ms from start): \(firstRetryInstants), spread \((firstRetryInstants.last ?? 0) - (firstRetryInstants.first ?? 0)) ms
              attempts per agent while refused: \(refusedAttempts)
              registered at (ms from start): \(through), spread \((through.last ?? 0) - (through.first ?? 0)) ms
            """)

        #expect(registered.count == agents, "every agent registers once the dictator accepts")
        #expect(firstRetries.count == agents, "every agent was refused at least once, then retried")
        // Spread, not one instant: 20 draws from a 200 ms window span far more than 20 ms.
        #expect((firstRetryInstants.last ?? 0) - (firstRetryInstants.first ?? 0) >= 20)
        #expect(Set(firstRetries.map { ms($0) / 10 }).count >= 3, "first retries fall into several 10 ms slots")
        // A backoff, not a tight loop: a 20 ms poll would have made ~75 attempts in 1.5 s.
        #expect(refusedAttempts.allSatisfy { $0 <= 30 })
    }

    /// An object fetch tries a 503 again on the backoff and stops at an answer that will not
    /// change (404), or after its attempts.
    @Test(arguments: [(2, 3), (10, 4)])
    func objectFetchRetriesOnlyWhatMayPass(refusals: Int, requests: Int) async throws {
        let dictator = RestartingDictator(refusingFor: .zero, objectRefusals: refusals)
        try await dictator.start()
        let client = DictatorClient(baseURL: dictator.url, token: nil,
                                    registration: AgentRegistration(node: "objects", kernelVersion: "6.18", hooks: []))
        let failure = try await offThePool { () -> String? in
            do {
                _ = try client.object(digest: "sha256:00", attempts: 4)
                return nil
            } catch {
                return "\(error)"
            }
        }
        await dictator.stop()
        #expect(failure != nil)
        #expect(dictator.objectRequests == requests, "\(failure ?? "")")
    }
}

/// A dictator that has just restarted (Hummingbird on 127.0.0.1, a free port): registrations get
/// 503 until `refusingFor` has passed since `start()` (or, with `afterFirstAttemptsOf: n`, since
/// the n-th node's first attempt), then the node's (empty) assignment; watches
/// always get 503; objects get 503 `objectRefusals` times, then 404. Records when each node tried
/// to register, and counts object requests.
final class RestartingDictator: Sendable {
    private let refusingFor: Duration
    private let expectedNodes: Int
    private let objectRefusals: Int
    private let state = Mutex(State())

    private struct State {
        var attempts: [String: [ContinuousClock.Instant]] = [:]
        var objectRequests = 0
        var startedRefusing = ContinuousClock.now
        var port = 0
        var task: Task<Void, Error>?
        var group: ServiceGroup?
    }

    init(refusingFor: Duration, afterFirstAttemptsOf expectedNodes: Int = 0, objectRefusals: Int = 0) {
        self.refusingFor = refusingFor
        self.expectedNodes = expectedNodes
        self.objectRefusals = objectRefusals
    }

    var url: String { "http://127.0.0.1:\(state.withLock { $0.port })" }
    /// Per node, the instants of its registration attempts.
    var attempts: [String: [ContinuousClock.Instant]] { state.withLock { $0.attempts } }
    var startedRefusing: ContinuousClock.Instant { state.withLock { $0.startedRefusing } }
    /// How many object fetches arrived.
    var objectRequests: Int { state.withLock { $0.objectRequests } }

    func start() async throws {
        let router = Router()
        router.post(RouterPath(AgentAPI.agents)) { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let registration = try JSONDecoder().decode(AgentRegistration.self, from: Data(body.readableBytesView))
            let now = ContinuousClock.now
            let refused = state.withLock { state in
                state.attempts[registration.node, default: []].append(now)
                if state.attempts.count < expectedNodes { return true }
                if state.attempts.count == expectedNodes, state.attempts[registration.node]!.count == 1, expectedNodes > 0 {
                    state.startedRefusing = now   // the last node's first attempt: the window starts
                }
                return now - state.startedRefusing < refusingFor
            }
            if refused { return Response(status: .serviceUnavailable) }
            let assignment = try DictatorClient.encoder().encode(NodeAssignment(node: registration.node, revision: 1))
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: assignment)))
        }
        router.get("/api/v1/nodes/:node/assignment") { _, _ -> Response in Response(status: .serviceUnavailable) }
        router.get("/api/v1/objects/:digest") { [self] _, _ -> Response in
            let count = state.withLock { state in
                state.objectRequests += 1
                return state.objectRequests
            }
            return Response(status: count <= objectRefusals ? .serviceUnavailable : .notFound)
        }
        let (ready, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "restarting-dictator")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        // Stopped by graceful shutdown, never by cancelling: a cancelled NIO server traps on a
        // connection it accepted but had not handed out yet.
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ready.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        state.withLock {
            $0.port = port
            $0.task = task
            $0.group = group
            $0.startedRefusing = .now
        }
    }

    func stop() async {
        let (task, group) = state.withLock { ($0.task, $0.group) }
        await group?.triggerGracefulShutdown()
        _ = try? await task?.value
    }
}
