import AeolusModel
import Agent
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Many simulated agents in one process, speaking the agent API (`AgentAPI`) as the real agent
/// does: each registers, watches its assignment (newline-delimited JSON on a connection of its
/// own), fetches the objects its assignment names by digest (once per digest, as the agent's
/// object cache does), reports its state after every new assignment and every `reportInterval`,
/// and after a failure or a closed watch registers again on the real agent's schedule
/// (`DictatorClient.backoff()`: the shared full-jitter `Backoff`, 200 ms doubling to 5 s).
/// Everything runs on one SwiftNIO event-loop group: no thread per connection.
/// Requests other than watches share a small keep-alive connection pool per event loop.
final class SimulatedFleet: Sendable {
    /// What the fleet saw, in seconds since `origin`.
    struct Observations {
        /// Agent → when it first held an assignment.
        var registered: [Int: Double] = [:]
        /// Agent → when it last registered (after a dictator restart: when it came back).
        var lastRegistered: [Int: Double] = [:]
        /// Agents whose watch is open now.
        var watching = 0
        /// Probe id → agent → when the agent first saw it in an assignment.
        var seen: [String: [Int: Double]] = [:]
        /// Probe id → its template.
        var templates: [String: String] = [:]
        /// Failed registrations, closed or refused watches, failed fetches and reports.
        var registerFailures = 0, watchFailures = 0, fetchFailures = 0, reportFailures = 0
        /// Objects fetched and state reports sent.
        var fetches = 0, reports = 0
    }

    let host: String
    let port: Int
    let token: String
    let count: Int
    let reportInterval: TimeAmount
    let origin = ContinuousClock.now
    let group: MultiThreadedEventLoopGroup
    private let pools: [ConnectionPool]
    private let agents: [SimulatedAgent]
    let observations = Mutex(Observations())

    /// A fleet of `count` agents named `fanout-<i>` for the dictator at `host:port`.
    init(count: Int, host: String, port: Int, token: String, threads: Int = 2, poolSize: Int = 256,
         reportInterval: TimeAmount = .seconds(10)) {
        self.host = host
        self.port = port
        self.token = token
        self.count = count
        self.reportInterval = reportInterval
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let loops = Array(group.makeIterator())
        pools = loops.map { ConnectionPool(eventLoop: $0, host: host, port: port, token: token, limit: poolSize / loops.count) }
        var agents: [SimulatedAgent] = []
        agents.reserveCapacity(count)
        for index in 0..<count {
            agents.append(SimulatedAgent(index: index, pool: pools[index % pools.count]))
        }
        self.agents = agents
        for agent in agents { agent.fleet = self }
    }

    /// Seconds since `origin`.
    func now() -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Starts every agent at once (a registration storm, as after a dictator restart).
    func start() {
        for agent in agents { agent.pool.eventLoop.execute { agent.register() } }
    }

    /// Stops every agent and closes every connection.
    func stop() {
        for agent in agents { try? agent.pool.eventLoop.submit { agent.stop() }.wait() }
        for pool in pools { try? pool.eventLoop.submit { pool.close() }.wait() }
        try? group.syncShutdownGracefully()
    }

    /// The name of agent `index`.
    static func node(_ index: Int) -> String { "fanout-\(index)" }
}

/// A response: status and body.
struct SimulatedResponse: Sendable {
    var status: Int
    var body: ByteBuffer
}

/// Why a simulated request failed.
struct SimulatedFailure: Error {
    var message: String
}

/// Keep-alive connections of one event loop; a request waits for a free one when `limit` are
/// busy. Confined to `eventLoop` (every method runs there), hence `@unchecked Sendable`.
final class ConnectionPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    let host: String
    let port: Int
    let token: String
    let limit: Int
    private var idle: [RequestHandler] = []
    private var open = 0
    private var waiting = CircularBuffer<EventLoopPromise<RequestHandler>>()
    private var closed = false
    let decoder = NodeProbeState.makeDecoder()
    let encoder = NodeProbeState.makeEncoder()

    init(eventLoop: any EventLoop, host: String, port: Int, token: String, limit: Int) {
        self.eventLoop = eventLoop
        self.host = host
        self.port = port
        self.token = token
        self.limit = max(1, limit)
    }

    /// Sends `method path` with `body` (JSON unless `headers` say otherwise) and completes with
    /// the whole response.
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil,
              headers: [(String, String)] = [("Content-Type", "application/json")]) -> EventLoopFuture<SimulatedResponse> {
        eventLoop.preconditionInEventLoop()
        return acquire().flatMap { handler in
            let response = handler.send(method, path, body: body, headers: headers)
            response.whenComplete { result in
                if case .success = result, handler.isReusable { self.release(handler) } else { self.discard(handler) }
            }
            return response
        }
    }

    private func acquire() -> EventLoopFuture<RequestHandler> {
        // An idle connection the server closed meanwhile (a dictator restart) is dropped, not used:
        // a request on it would never be answered.
        while let handler = idle.popLast() {
            if handler.isReusable { return eventLoop.makeSucceededFuture(handler) }
            handler.close()
            open -= 1
        }
        guard open >= limit else {
            open += 1
            return connect().flatMapErrorThrowing { error in
                self.open -= 1
                self.wakeWaiter()
                throw error
            }
        }
        let promise = eventLoop.makePromise(of: RequestHandler.self)
        waiting.append(promise)
        return promise.futureResult
    }

    private func connect() -> EventLoopFuture<RequestHandler> {
        let host = host, token = token
        return ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(host: host, token: token))
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in try channel.pipeline.syncOperations.handler(type: RequestHandler.self) }
    }

    private func release(_ handler: RequestHandler) {
        if let waiter = waiting.popFirst() { waiter.succeed(handler) } else { idle.append(handler) }
    }

    private func discard(_ handler: RequestHandler) {
        handler.close()
        open -= 1
        wakeWaiter()
    }

    /// A connection slot freed: the first waiter connects anew.
    private func wakeWaiter() {
        guard !closed, let waiter = waiting.popFirst() else { return }
        open += 1
        connect().whenComplete { result in
            switch result {
            case .success(let handler): waiter.succeed(handler)
            case .failure(let error):
                self.open -= 1
                waiter.fail(error)
                self.wakeWaiter()
            }
        }
    }

    func close() {
        closed = true
        for handler in idle { handler.close() }
        idle = []
        while let waiter = waiting.popFirst() { waiter.fail(SimulatedFailure(message: "closed")) }
    }
}

/// One request at a time on a keep-alive connection.
final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let host: String
    private let token: String
    private var context: ChannelHandlerContext?
    private var pending: EventLoopPromise<SimulatedResponse>?
    private var status = 0
    private var body = ByteBuffer()
    private var keepAlive = true

    init(host: String, token: String) {
        self.host = host
        self.token = token
    }

    /// Whether the connection may carry another request.
    var isReusable: Bool { keepAlive && context?.channel.isActive == true }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?, headers: [(String, String)]) -> EventLoopFuture<SimulatedResponse> {
        guard let context else { fatalError("send before the handler was added") }
        let promise = context.eventLoop.makePromise(of: SimulatedResponse.self)
        pending = promise
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Authorization", value: "Bearer \(token)")
        head.headers.add(name: "Content-Length", value: "\(body?.count ?? 0)")
        if body != nil { for (name, value) in headers { head.headers.add(name: name, value: value) } }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            let promise = pending
            pending = nil
            promise?.succeed(SimulatedResponse(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepAlive = false
        pending?.fail(SimulatedFailure(message: "connection closed"))
        pending = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        keepAlive = false
        pending?.fail(error)
        pending = nil
        context.close(promise: nil)
    }

    func close() { context?.close(promise: nil) }
}

/// A watch: sends the GET when the connection is up, hands every non-empty line to the agent
/// with the time its bytes arrived, and tells the agent when the stream ends.
final class WatchHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Never
    typealias OutboundOut = HTTPClientRequestPart

    private let agent: SimulatedAgent
    private let head: HTTPRequestHead
    private var buffer = ByteBuffer()
    private var ended = false

    init(agent: SimulatedAgent, head: HTTPRequestHead) {
        self.agent = agent
        self.head = head
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            if response.status == .ok { agent.watchOpened() } else { end(context) }
        case .body(var part):
            let arrived = agent.fleet.now()
            buffer.writeBuffer(&part)
            while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - buffer.readerIndex
                let line = buffer.readSlice(length: length)!
                buffer.moveReaderIndex(forwardBy: 1)
                if length > 0 { agent.watchLine(line, arrived: arrived) }
            }
            buffer.discardReadBytes()
        case .end:
            end(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { end(context) }

    private func end(_ context: ChannelHandlerContext) {
        guard !ended else { return }
        ended = true
        context.close(promise: nil)
        agent.watchEnded()
    }
}

/// One simulated agent. Confined to its pool's event loop (every method runs there), hence
/// `@unchecked Sendable`.
final class SimulatedAgent: @unchecked Sendable {
    let index: Int
    let node: String
    let pool: ConnectionPool
    /// Set once by the fleet before any agent starts.
    unowned(unsafe) var fleet: SimulatedFleet!
    private var revision: Int64 = -1
    private var probes: [ProbeAssignment] = []
    private var seen = Set<String>()
    private var fetched = Set<String>()
    private var watch: (any Channel)?
    private var watching = false
    private var reporting: RepeatedTask?
    private var backoff = DictatorClient.backoff()
    private var stopped = false

    init(index: Int, pool: ConnectionPool) {
        self.index = index
        self.node = SimulatedFleet.node(index)
        self.pool = pool
    }

    /// `POST /api/v1/agents`, then the watch from the revision it returned.
    func register() {
        guard !stopped else { return }
        let registration = AgentRegistration(node: node, labels: ["pool": "fanout", "zone": "z\(index % 4)"],
                                             kernelVersion: "6.18.0", hooks: [])
        let body = try! pool.encoder.encode(registration)
        pool.send(.POST, AgentAPI.agents, body: [UInt8](body)).whenComplete { result in
            let arrived = self.fleet.now()
            guard case .success(let response) = result, (200..<300).contains(response.status),
                  let assignment = try? self.pool.decoder.decode(NodeAssignment.self, from: Data(response.body.readableBytesView)) else {
                self.fleet.observations.withLock { $0.registerFailures += 1 }
                self.retry()
                return
            }
            self.backoff.reset()
            self.fleet.observations.withLock {
                if $0.registered[self.index] == nil { $0.registered[self.index] = arrived }
                $0.lastRegistered[self.index] = arrived
            }
            self.accept(assignment, arrived: arrived)
            self.openWatch()
            if self.reporting == nil {
                let interval = self.fleet.reportInterval
                let phase = TimeAmount.milliseconds(Int64.random(in: 0..<(interval.nanoseconds / 1_000_000)))
                self.reporting = self.pool.eventLoop.scheduleRepeatedTask(initialDelay: phase, delay: interval) { _ in self.report() }
            }
        }
    }

    private func retry() {
        guard !stopped else { return }
        let delay = backoff.next()
        pool.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay / .nanoseconds(1)))) { self.register() }
    }

    private func openWatch() {
        var head = HTTPRequestHead(version: .http1_1, method: .GET,
                                   uri: AgentAPI.assignment(node: node) + "?watch=1&revision=\(revision)")
        head.headers.add(name: "Host", value: pool.host)
        head.headers.add(name: "Authorization", value: "Bearer \(pool.token)")
        let agent = self
        ClientBootstrap(group: pool.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(WatchHandler(agent: agent, head: head))
                }
            }
            .connect(host: pool.host, port: pool.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    if self.stopped { channel.close(promise: nil) } else { self.watch = channel }
                case .failure:
                    self.fleet.observations.withLock { $0.watchFailures += 1 }
                    self.retry()
                }
            }
    }

    func watchOpened() {
        watching = true
        fleet.observations.withLock { $0.watching += 1 }
    }

    func watchLine(_ line: ByteBuffer, arrived: Double) {
        guard let assignment = try? pool.decoder.decode(NodeAssignment.self, from: Data(line.readableBytesView)) else { return }
        accept(assignment, arrived: arrived)
    }

    func watchEnded() {
        watch = nil
        if watching {
            watching = false
            fleet.observations.withLock { $0.watching -= 1 }
        }
        guard !stopped else { return }
        fleet.observations.withLock { $0.watchFailures += 1 }
        retry()
    }

    /// A newer assignment: note the probes first seen, fetch the new objects, report.
    private func accept(_ assignment: NodeAssignment, arrived: Double) {
        guard assignment.revision > revision else { return }
        revision = assignment.revision
        probes = assignment.probes
        let new = assignment.probes.filter { !seen.contains($0.id) }
        if !new.isEmpty {
            for probe in new { seen.insert(probe.id) }
            fleet.observations.withLock { observations in
                for probe in new {
                    observations.seen[probe.id, default: [:]][index] = arrived
                    observations.templates[probe.id] = probe.template
                }
            }
        }
        let digests = Set(assignment.probes.map(\.digest)).subtracting(fetched).filter { !$0.isEmpty }
        guard !digests.isEmpty else { return report() }
        var remaining = digests.count
        for digest in digests {
            pool.send(.GET, AgentAPI.object(digest: digest)).whenComplete { result in
                if case .success(let response) = result, response.status == 200 {
                    self.fetched.insert(digest)
                    self.fleet.observations.withLock { $0.fetches += 1 }
                } else {
                    self.fleet.observations.withLock { $0.fetchFailures += 1 }
                }
                remaining -= 1
                if remaining == 0 { self.report() }
            }
        }
    }

    /// `PUT .../state`: every assigned probe live (its object fetched).
    private func report() {
        guard !stopped, revision >= 0 else { return }
        let state = NodeProbeState(node: node, probes: probes.map {
            ProbeState(id: $0.id, template: $0.template, digest: $0.digest, state: fetched.contains($0.digest) ? .live : .failed,
                       reason: fetched.contains($0.digest) ? nil : "object not fetched")
        })
        let body = try! pool.encoder.encode(state)
        pool.send(.PUT, AgentAPI.state(node: node), body: [UInt8](body)).whenComplete { result in
            let ok = (try? result.get().status) == 204
            self.fleet.observations.withLock { if ok { $0.reports += 1 } else { $0.reportFailures += 1 } }
        }
    }

    func stop() {
        stopped = true
        reporting?.cancel()
        watch?.close(promise: nil)
    }
}
