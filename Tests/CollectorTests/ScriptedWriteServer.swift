import Foundation
import Hummingbird
import Logging
import RemoteWrite
import ServiceLifecycle

/// A remote-write endpoint for tests (Hummingbird on 127.0.0.1, a free port): answers the
/// replies of `script` in order (then 204), decodes every body it answers 2xx to, and records
/// each request's headers and arrival time.
final class ScriptedWriteServer: @unchecked Sendable {
    /// One scripted answer: a status, and a `Retry-After` value (a string, or a function of the
    /// arrival time for HTTP-dates).
    struct Reply: ExpressibleByIntegerLiteral {
        var status: Int
        var retryAfter: (@Sendable (Date) -> String)?

        init(_ status: Int, retryAfter: (@Sendable (Date) -> String)? = nil) {
            self.status = status
            self.retryAfter = retryAfter
        }

        init(integerLiteral status: Int) { self.init(status) }
    }

    private let lock = NSLock()
    private var script: [Reply]
    private var arrivals: [ContinuousClock.Instant] = []
    private var accepted: [WriteRequest] = []
    private var statuses: [Int] = []
    private var headers: [HTTPFields] = []
    private var task: Task<Void, Error>?
    private var group: ServiceGroup?
    private(set) var port = 0

    init(script: [Reply]) { self.script = script }

    var url: String { "http://127.0.0.1:\(port)/api/v1/write" }
    var acceptedRequests: [WriteRequest] { lock.withLock { accepted } }
    var answered: [Int] { lock.withLock { statuses } }
    var requestHeaders: [HTTPFields] { lock.withLock { headers } }
    /// When each request arrived.
    var arrivalTimes: [ContinuousClock.Instant] { lock.withLock { arrivals } }

    func start() async throws {
        let router = Router()
        router.post("/api/v1/write") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            let bytes = Array(body.readableBytesView)
            let reply = lock.withLock { () -> Reply in
                let reply = script.isEmpty ? 204 : script.removeFirst()
                statuses.append(reply.status)
                headers.append(request.headers)
                arrivals.append(.now)
                return reply
            }
            if (200..<300).contains(reply.status) {
                let decoded = try RemoteWrite.decode(bytes)
                lock.withLock { accepted.append(decoded) }
            }
            var fields = HTTPFields()
            if let retryAfter = reply.retryAfter { fields[.retryAfter] = retryAfter(Date()) }
            return Response(status: .init(code: reply.status), headers: fields)
        }
        let (ready, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: testLogger("write-server"))
        // Stopped by graceful shutdown, never by cancelling: a cancelled NIO server traps on a
        // connection it accepted but had not handed out yet.
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: testLogger("write-server")))
        self.group = group
        task = Task { try await group.run() }
        var iterator = ready.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    func stop() async {
        await group?.triggerGracefulShutdown()
        _ = try? await task?.value
    }
}
