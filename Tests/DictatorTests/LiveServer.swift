import AeolusModel
import CurlKit
@testable import Dictator
import Foundation
import Hummingbird
import ServiceLifecycle

/// The agent API against a live server on 127.0.0.1 (any free port), through CurlKit.
final class LiveServer: Sendable {
    let state: DictatorState
    let base: String
    let client = HTTPClient(bearerToken: "t0ken")
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    init(heartbeat: Duration = .milliseconds(200), lostAfter: Duration = .seconds(60), webhookSecret: String? = nil) async throws {
        let state = DictatorState(branch: "main")
        self.state = state
        let server = DictatorServer(state: state, token: "t0ken", webhook: WebhookVerifier(secret: webhookSecret), branch: "main", onPush: {})
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: server.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        let group = ServiceGroup(configuration: .init(
            services: [app, Housekeeping(state: state, heartbeat: heartbeat, lostAfter: lostAfter)], logger: .init(label: "test")))
        self.group = group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        base = "http://127.0.0.1:\(await iterator.next() ?? 0)"
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    func send(_ method: CurlKit.HTTPRequest.Method = .get, _ path: String, json: some Encodable) async throws -> CurlKit.HTTPResponse {
        try await client.send(CurlKit.HTTPRequest(method: method, url: base + path, headers: ["Content-Type": "application/json"],
                                          body: Array(try NodeProbeState.makeEncoder().encode(json)), timeout: .seconds(10)))
    }

    func get(_ path: String, token: String? = nil) async throws -> CurlKit.HTTPResponse {
        try await client.send(CurlKit.HTTPRequest(url: base + path, timeout: .seconds(10), bearerToken: token))
    }
}

