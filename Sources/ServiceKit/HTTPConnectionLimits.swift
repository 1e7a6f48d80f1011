import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// What one HTTP connection may cost a server: how long it may take to send a request, how long
/// it may sit idle between requests, and how many connections are served at once.
///
/// An agent's assignment watch is a request answered by a response that streams for hours; it
/// costs no deadline while the response is written. What is bounded is the client's side:
/// a connection that has not sent a complete request head within `requestHeader` of opening
/// (slowloris, a stalled TLS handshake, a port scan), a request whose body has not ended within
/// `requestBody` of its head, and a keep-alive connection idle for `idle` after its last response.
public struct HTTPConnectionLimits: Sendable, Equatable {
    /// From a connection's opening to its first complete request head.
    public var requestHeader: Duration
    /// From a request's head to the end of its body.
    public var requestBody: Duration
    /// From the end of a response to the next complete request head on the same connection.
    public var idle: Duration
    /// Connections served at once; above it, new connections wait in the listen backlog until
    /// one closes (the kernel's queue, as Go's `LimitListener` does), so a flood of idle
    /// sockets costs the server no descriptors and ends with the deadlines above.
    public var maxConnections: Int

    /// Limits with the defaults: 10 s for a head, 60 s for a body, 120 s idle, 20,000 connections
    /// (10,000 agents' watches and their reports).
    public init(requestHeader: Duration = .seconds(10), requestBody: Duration = .seconds(60),
                idle: Duration = .seconds(120), maxConnections: Int = 20_000) {
        self.requestHeader = requestHeader
        self.requestBody = requestBody
        self.idle = idle
        self.maxConnections = maxConnections
    }

    /// For a node's own endpoints (`/metrics`, `/healthz` of agents and collectors): scrapers and
    /// probes, a few connections at a time.
    public static let nodeEndpoint = HTTPConnectionLimits(maxConnections: 256)

    /// The HTTP/1.1 server with these deadlines on every connection (Hummingbird's own idle
    /// timeout is not used: it counts a request head in progress as activity).
    public var http1: HTTPServerBuilder {
        .http1(configuration: http1Configuration)
    }

    /// The HTTP/1.1 channel configuration with these deadlines, for a server built another way
    /// (behind TLS).
    public var http1Configuration: HTTP1Channel.Configuration {
        let limits = self
        return .init(additionalChannelHandlers: [ConnectionDeadlineHandler(limits: limits)])
    }

    /// The connection cap as Hummingbird's accept-side delegate, lowered to what the process's
    /// open-file limit allows (`reserve` descriptors stay for files, git and the kernel objects).
    public func availableConnections(openFileLimit: Int?, reserve: Int = 512) -> MaximumAvailableConnections {
        .init(effectiveMaxConnections(openFileLimit: openFileLimit, reserve: reserve))
    }

    /// `maxConnections`, or fewer when the open-file limit is lower (never below 16).
    public func effectiveMaxConnections(openFileLimit: Int?, reserve: Int = 512) -> Int {
        guard let openFileLimit else { return maxConnections }
        return max(16, min(maxConnections, openFileLimit - reserve))
    }
}

/// Closes a connection whose client is too slow to send a request head or body, or idle too long
/// between requests (`HTTPConnectionLimits`). Sits after the HTTP codec: it sees request and
/// response parts, and arms one timer for whichever deadline applies now.
public final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    /// Which deadline a connection is under.
    enum Phase: Equatable {
        /// Waiting for a request head: the first (`requestHeader`) or the next (`idle`).
        case awaitingHead(first: Bool)
        /// A request's body is being read.
        case readingBody
        /// Every request is read; a response is being written (no deadline: watches stream).
        case responding
    }

    private let limits: HTTPConnectionLimits
    private var phase = Phase.awaitingHead(first: true)
    /// Requests whose response has not ended (HTTP/1.1 pipelining may queue several).
    private var unanswered = 0
    private var timer: Scheduled<Void>?

    /// A handler for one connection.
    public init(limits: HTTPConnectionLimits) {
        self.limits = limits
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            phase = .readingBody
            arm(context)
        case .body:
            break
        case .end:
            phase = unanswered > 0 ? .responding : .awaitingHead(first: false)
            arm(context)
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if phase == .responding, unanswered == 0 {
                phase = .awaitingHead(first: false)
                arm(context)
            }
        }
        context.write(data, promise: promise)
    }

    /// The deadline of the current phase, from now.
    static func deadline(for phase: Phase, limits: HTTPConnectionLimits) -> Duration? {
        switch phase {
        case .awaitingHead(let first): return first ? limits.requestHeader : limits.idle
        case .readingBody: return limits.requestBody
        case .responding: return nil
        }
    }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        guard let after = Self.deadline(for: phase, limits: limits) else { return }
        let armedPhase = phase
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        timer = loop.scheduleTask(in: TimeAmount(after)) { [self] in
            self.timer = nil
            // A phase changed since is armed anew; this one ran out.
            guard self.phase == armedPhase else { return }
            context.close(promise: nil)
        }
    }
}
