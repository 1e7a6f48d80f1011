import AeolusModel
import AeolusTesting
import CurlKit
import Dictator
import Foundation
import Testing

/// Slow and idle connections against a real `aeolus dictator`: a client that never finishes a
/// request head (slowloris), never finishes a body or sits idle after a response is closed at its
/// deadline; an assignment watch, which streams for hours, is not; and with every connection slot
/// held by silent sockets, `/healthz` is answered once their deadline frees the slots.
@Suite(.serialized) struct ConnectionLimitsEndToEndTests {
    let steps = EndToEnd()

    func startDictator(in temp: TemporaryDirectory, _ extra: [String]) async throws -> (GitDaemon, DictatorProcess) {
        let (daemon, _) = try await EndToEnd.serve(try DictatorEndToEndTests.seedFiles(), in: temp)
        let dictator = try DictatorProcess(arguments: EndToEnd.dictatorArguments(daemon, in: temp) + extra,
                                           logFile: temp.path("dictator.log"))
        try await steps.waitReady(dictator)
        return (daemon, dictator)
    }

    @Test func slowAndIdleClientsAreClosedAndAWatchIsNot() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-deadlines-e2e")
        defer { temp.remove() }
        let (daemon, dictator) = try await startDictator(in: temp, [
            "--read-header-timeout", "4s", "--read-body-timeout", "4s", "--idle-timeout", "4s"])
        defer { dictator.stop(); daemon.stop() }

        // Deadlines of seconds, not less: on a loaded machine a server's event loop can be off the
        // CPU for a second, and a well-behaved request must not miss its deadline for that.
        // Slowloris: a header line every 300 ms, never the blank line that ends the head.
        let slow = try await LoopbackConnection.open(port: dictator.port)
        slow.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        let trickle = Task {
            for index in 0..<100 where !Task.isCancelled {
                guard slow.send("X-Slow-\(index): 1\r\n") else { return }
                try? await Task.sleep(for: .milliseconds(300))
            }
        }
        #expect(try await slow.closesWithin(.seconds(20)), "a head never finished is closed:\n\(dictator.log)")
        trickle.cancel()

        // A body announced and never sent.
        let body = try await LoopbackConnection.open(port: dictator.port)
        body.send("POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{\"ref\"")
        #expect(try await body.closesWithin(.seconds(20)), "a body never finished is closed")

        // Keep-alive: answered, then closed when idle.
        let idle = try await LoopbackConnection.open(port: dictator.port)
        idle.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let answered = try await idle.receive(within: .seconds(20))
        #expect(String(decoding: answered.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        var idleClosed = answered.closed
        if !idleClosed { idleClosed = try await idle.closesWithin(.seconds(20)) }
        #expect(idleClosed, "an idle keep-alive connection is closed")

        // A watch streams (a heartbeat line every second) well past every deadline.
        let registration = AgentRegistration(node: "watcher", labels: [:], kernelVersion: "6.18", hooks: Hook.supported)
        let registered = try await steps.client.send(HTTPRequest(
            method: .post, url: dictator.url + AgentAPI.agents, headers: ["Content-Type": "application/json"],
            body: Array(try NodeProbeState.makeEncoder().encode(registration)), timeout: .seconds(10)))
        #expect(registered.status == 200)
        let watch = try await LoopbackConnection.open(port: dictator.port)
        watch.send("GET \(AgentAPI.assignment(node: "watcher"))?watch=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer agent-token\r\n\r\n")
        let streamed = try await watch.receive(within: .seconds(10))
        let text = String(decoding: streamed.bytes, as: UTF8.self)
        #expect(!streamed.closed && text.hasPrefix("HTTP/1.1 200"), "the watch is still open after 10 s:\n\(text)")
        watch.close()
    }

    @Test func silentConnectionsHoldingEverySlotGiveWayToHealthz() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-connection-cap-e2e")
        defer { temp.remove() }
        let (daemon, dictator) = try await startDictator(in: temp, ["--max-connections", "16", "--read-header-timeout", "4s"])
        defer { dictator.stop(); daemon.stop() }

        // Twice the cap of sockets that never send a byte: 16 are served (and wait for a head),
        // the rest wait in the listen backlog.
        var silent: [LoopbackConnection] = []
        for _ in 0..<32 { silent.append(try await LoopbackConnection.open(port: dictator.port)) }
        let health = try await HTTPClient().send(HTTPRequest(url: dictator.url + "/healthz", timeout: .seconds(60)))
        #expect(health.status == 200, "/healthz answered once the silent connections' deadline freed their slots")
        var closed = 0
        for connection in silent where try await connection.closesWithin(.seconds(30)) { closed += 1 }
        #expect(closed == silent.count, "every silent connection was closed at its deadline")
        #expect(dictator.isRunning)
    }

    @Test func forgedWebhookBodiesAreReadAFewAtATime() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-webhook-bodies-e2e")
        defer { temp.remove() }
        try "hook-secret\n".write(toFile: temp.path("hook-secret"), atomically: true, encoding: .utf8)
        let (daemon, dictator) = try await startDictator(in: temp, ["--webhook-secret-file", temp.path("hook-secret")])
        defer { dictator.stop(); daemon.stop() }

        // Eight bodies with a signature header that cannot be checked before they end: each holds
        // a slot while it trickles in.
        var held: [LoopbackConnection] = []
        for _ in 0..<8 {
            let connection = try await LoopbackConnection.open(port: dictator.port)
            connection.send("POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nX-GitHub-Event: push\r\n"
                            + "X-Hub-Signature-256: sha256=\(String(repeating: "0", count: 64))\r\nContent-Length: 4000000\r\n\r\n{")
            held.append(connection)
        }
        let body = Array(#"{"ref":"refs/heads/main"}"#.utf8)
        let signed: HTTPHeaders = ["Content-Type": "application/json", "X-GitHub-Event": "push",
                      "X-Hub-Signature-256": "sha256=" + WebhookVerifier(secret: "hook-secret").hmac(body, "hook-secret")]
        // Once the eight are being read (their connections are accepted in their own time), a
        // ninth is refused at once rather than queued.
        let refused = await EndToEnd.eventually(30) {
            (try? await HTTPClient().send(HTTPRequest(method: .post, url: dictator.url + "/hooks/git", headers: signed,
                                                      body: body, timeout: .seconds(10))))?.status == 503
        }
        #expect(refused, "a ninth webhook body is refused while eight unverified ones are read:\n\(dictator.log)")
        for connection in held { connection.close() }
        let accepted = await EndToEnd.eventually(30) {
            (try? await HTTPClient().send(HTTPRequest(method: .post, url: dictator.url + "/hooks/git", headers: signed,
                                                      body: body, timeout: .seconds(10))))?.status == 202
        }
        #expect(accepted, "a signed webhook is taken once the slots are free:\n\(dictator.log)")
    }
}
