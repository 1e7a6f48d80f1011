import Foundation
import Hummingbird
import Logging
import RemoteWrite

/// A remote-write endpoint for tests (Hummingbird on 127.0.0.1, a free port): answers the
/// statuses of `script` in order (then 204), decodes every body it answers 2xx to, and records
/// each request's headers.
final class ScriptedWriteServer: @unchecked Sendable {
    private let lock = NSLock()
    private var script: [Int]
    private var accepted: [WriteRequest] = []
    private var statuses: [Int] = []
    private var headers: [HTTPFields] = []
    private var task: Task<Void, Error>?
    private(set) var port = 0

    init(script: [Int]) { self.script = script }

    var url: String { "http://127.0.0.1:\(port)/api/v1/write" }
    var acceptedRequests: [WriteRequest] { lock.withLock { accepted } }
    var answered: [Int] { lock.withLock { statuses } }
    var requestHeaders: [HTTPFields] { lock.withLock { headers } }

    func start() async throws {
        let router = Router()
        router.post("/api/v1/write") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            let bytes = Array(body.readableBytesView)
            let status = lock.withLock { () -> Int in
                let status = script.isEmpty ? 204 : script.removeFirst()
                statuses.append(status)
                headers.append(request.headers)
                return status
            }
            if (200..<300).contains(status) {
                let decoded = try RemoteWrite.decode(bytes)
                lock.withLock { accepted.append(decoded) }
            }
            return Response(status: .init(code: status))
        }
        let (ready, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: testLogger("write-server"))
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ready.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    func stop() async {
        task?.cancel()
        _ = try? await task?.value
    }
}
