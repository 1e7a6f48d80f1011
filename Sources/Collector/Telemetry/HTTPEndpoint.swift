import Foundation
import Hummingbird
import Logging
import ServiceKit
import ServiceLifecycle

/// A small HTTP server (Hummingbird 2) answering GET routes with text: the prometheus exporter's
/// scrape endpoint and the collector's own `/metrics`.
///
/// `@unchecked Sendable`: the running state is guarded by `lock`.
public final class HTTPEndpoint: @unchecked Sendable {
    /// A route's answer: status, Content-Type and body.
    public typealias Handler = @Sendable () async -> (status: Int, contentType: String, body: String)

    /// The address asked for (`host:port`; port 0 picks a free one).
    public let address: String
    private let routes: [String: Handler]
    private let logger: Logger
    private let lock = NSLock()
    private var group: ServiceGroup?
    private var task: Task<Void, Error>?
    private var boundPort: Int?

    /// An endpoint serving `routes` (path → handler) at `address`.
    public init(address: String, routes: [String: Handler], logger: Logger) {
        self.address = address
        self.routes = routes
        self.logger = logger
    }

    /// Splits `host:port` (IPv6 in brackets); nil when malformed.
    public static func split(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// The port it listens on, once started.
    public var port: Int? { lock.withLock { boundPort } }

    /// Starts listening; returns once the socket is bound (the port is then known).
    @discardableResult
    public func start() async throws -> Int {
        guard let (host, port) = Self.split(address) else {
            throw CollectorError.invalidAddress(address)
        }
        let router = Router()
        for (path, handler) in routes {
            router.get(RouterPath(stringLiteral: path)) { _, _ -> Response in
                let answer = await handler()
                var headers = HTTPFields()
                headers[.contentType] = answer.contentType
                return Response(status: .init(code: answer.status), headers: headers,
                                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
            }
        }
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Int.self)
        let limits = HTTPConnectionLimits.nodeEndpoint
        let app = Application(router: router, server: limits.http1,
                              configuration: .init(address: .hostname(host, port: port),
                                                   availableConnectionsDelegate: limits.availableConnections(openFileLimit: nil)),
                              onServerRunning: { channel in
                                  readyContinuation.yield(channel.localAddress?.port ?? port)
                                  readyContinuation.finish()
                              }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { readyContinuation.finish() }
            try await group.run()
        }
        lock.withLock { self.group = group; self.task = task }
        var iterator = ready.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            do { _ = try await task.value } catch { throw ListenError(address: address, cause: error) }
            throw CollectorError.invalidAddress("\(address): the server stopped before listening")
        }
        lock.withLock { boundPort = bound }
        return bound
    }

    /// Stops the server and waits for it.
    public func shutdown() async {
        let (group, task) = lock.withLock { (self.group, self.task) }
        await group?.triggerGracefulShutdown()
        _ = try? await task?.value
    }
}
