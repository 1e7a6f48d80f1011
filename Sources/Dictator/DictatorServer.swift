import AeolusModel
import Foundation
import HTTPTypes
import KubeKit
import Hummingbird
import Logging
import RemoteWrite
import ServiceKit

/// The dictator's HTTP API: the agent API (`AgentAPI`), the git webhook, status, metrics and
/// health endpoints, as a Hummingbird router.
public struct DictatorServer: Sendable {
    /// The state served.
    public let state: DictatorState
    /// Who may do what on `/api/v1/...` (tokens derived from the dictator's secret).
    public let authorizer: APIAuthorizer
    /// In a cluster: proves agents' nodes from their service-account tokens (nil: not used).
    public let tokenReviewer: KubeTokenReviewer?
    /// Checks webhook signatures.
    public let webhook: WebhookVerifier
    /// The watched branch (pushes to other branches are ignored).
    public let branch: String
    /// Called when a webhook asks for a fetch.
    public let onPush: @Sendable () -> Void

    /// The largest request body accepted.
    static let maxBody = 16 << 20
    /// Webhook bodies read before their signature can be checked, at once: each may hold up to
    /// `WebhookVerifier.maxBody`, so forged signatures cost at most this many times that.
    let unverifiedWebhooks = InFlightLimit(limit: 8)

    /// A server for `state`; `token` is the dictator's secret (nil: no authentication).
    /// With `tokenReviewer`, a token that is neither the secret nor derived from it is checked
    /// as a Kubernetes service-account token.
    public init(state: DictatorState, token: String?, tokenReviewer: KubeTokenReviewer? = nil, webhook: WebhookVerifier,
                branch: String, onPush: @escaping @Sendable () -> Void) {
        self.state = state
        self.authorizer = APIAuthorizer(secret: token)
        self.tokenReviewer = tokenReviewer
        self.webhook = webhook
        self.branch = branch
        self.onPush = onPush
    }

    /// The router with every route.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let server = self
        router.post("/api/v1/agents") { request, _ in try await server.register(request) }
        router.get("/api/v1/nodes/:node/assignment") { request, context in
            try await server.assignment(request, node: try Self.node(context))
        }
        router.put("/api/v1/nodes/:node/state") { request, context in
            try await server.report(request, node: try Self.node(context))
        }
        router.get("/api/v1/objects/:digest") { request, context in
            try await server.object(request, digest: try context.parameters.require("digest"))
        }
        router.get("/api/v1/status") { request, _ in
            try await server.authorize(request, .status)
            return try Self.json(await server.state.status())
        }
        router.post(RouterPath(AgentAPI.remoteWrite)) { request, _ in try await server.remoteWrite(request) }
        router.post("/hooks/git") { request, _ in try await server.hook(request) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: await server.state.prometheusText())))
        }
        router.get("/") { _, _ in
            let page = StatusPage.render(await server.state.status(), templates: await server.state.templateConditions())
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ in
            await server.state.revision == nil
                ? Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "no revision reconciled yet\n")))
                : Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        return router
    }

    /// The caller's identity: 401 without one. A bearer token that is neither the secret nor
    /// derived from it goes to the TokenReview when there is one.
    func authenticate(_ request: Request) async throws -> APIAuthorizer.Identity {
        let header = request.headers[.authorization]
        let decision = authorizer.authenticate(authorization: header)
        if case .failure = decision, let tokenReviewer, let token = APIAuthorizer.bearerToken(header),
           APIAuthorizer.claimedIdentity(of: token) == nil {
            return try Self.check(await tokenReviewer.review(token))
        }
        return try Self.check(decision)
    }

    /// The caller's identity when it may take `route`: 401 without one, 403 without the right.
    @discardableResult
    func authorize(_ request: Request, _ route: APIAuthorizer.Route) async throws -> APIAuthorizer.Identity {
        let identity = try await authenticate(request)
        try require(identity, route)
        return identity
    }

    /// Throws 403 unless `identity` may take `route`.
    func require(_ identity: APIAuthorizer.Identity, _ route: APIAuthorizer.Route) throws {
        if let denial = authorizer.permit(identity, route) { throw Self.error(denial) }
    }

    static func check(_ decision: Result<APIAuthorizer.Identity, APIAuthorizer.Denial>) throws -> APIAuthorizer.Identity {
        switch decision {
        case .success(let identity): return identity
        case .failure(let denial): throw error(denial)
        }
    }

    /// 401 (asking for a bearer token) or 403, with the reason.
    static func error(_ denial: APIAuthorizer.Denial) -> HTTPError {
        switch denial {
        case .unauthorized(let reason): HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: reason)
        case .forbidden(let reason): HTTPError(.forbidden, message: reason)
        }
    }

    /// The `:node` path parameter, percent-decoded and checked as Kubernetes checks node names
    /// (400 otherwise: such a node can never have registered).
    static func node(_ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require("node")
        guard let node = raw.removingPercentEncoding else { throw HTTPError(.badRequest, message: "node: malformed percent-encoding") }
        if let problem = KubernetesNames.subdomainProblem(node) {
            throw HTTPError(.badRequest, message: "node: \(KubernetesNames.quoted(node)) is not a valid node name: it \(problem)")
        }
        return node
    }

    func register(_ request: Request) async throws -> Response {
        let identity = try await authenticate(request)
        let registration: AgentRegistration = try await Self.decode(request)
        if let problem = KubernetesNames.subdomainProblem(registration.node) {
            throw HTTPError(.badRequest, message: "node: \(KubernetesNames.quoted(registration.node)) is not a valid node name: it \(problem)")
        }
        if let problem = KubernetesNames.labelsProblem(registration.labels) {
            throw HTTPError(.badRequest, message: "labels: \(problem)")
        }
        try require(identity, .register(node: registration.node))
        try await requireReconciled()
        return try Self.json(await state.register(registration))
    }

    func assignment(_ request: Request, node: String) async throws -> Response {
        try await authorize(request, .assignment(node: node))
        try await requireReconciled()
        let query = request.uri.queryParameters
        let watching = query["watch"].map { $0 == "1" || $0 == "true" } ?? false
        guard watching else {
            guard let assignment = await state.assignment(node: node) else { throw Self.unknown(node) }
            return try Self.json(assignment)
        }
        let after = query["revision"].flatMap { Int64(String($0)) }
        guard let stream = await state.watch(node: node, after: after) else { throw Self.unknown(node) }
        let body = ResponseBody { writer in
            // The connection went away (a write failed): stop watching.
            defer { stream.end() }
            var last = after
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = WireFloat.encoding
            for await event in stream {
                switch event {
                case .heartbeat:
                    try await writer.write(ByteBuffer(string: "\n"))
                case .assignment(let assignment):
                    guard assignment.revision != last else { continue }
                    last = assignment.revision
                    var line = try encoder.encode(assignment)
                    line.append(UInt8(ascii: "\n"))
                    try await writer.write(ByteBuffer(bytes: line))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"], body: body)
    }

    func report(_ request: Request, node: String) async throws -> Response {
        try await authorize(request, .state(node: node))
        var request = request
        let data = Data(buffer: try await request.collectBody(upTo: Self.maxBody))
        let report: NodeProbeState
        do { report = try NodeProbeState.decode(data) } catch {
            throw HTTPError(.badRequest, message: "not a NodeProbeState: \(error)")
        }
        guard report.node == node else {
            throw HTTPError(.badRequest, message: "the body's node \"\(report.node)\" differs from the path's \"\(node)\"")
        }
        guard await state.report(report) else { throw Self.unknown(node) }
        return Response(status: .noContent)
    }

    /// Prometheus remote write 1.0 and 2.0 from collectors (told apart by Content-Type): 204 when
    /// taken, with the `X-Prometheus-Remote-Write-*-Written` counts; 400 with the reason for bad
    /// snappy, protobuf or labels (a correct sender never retries those) and for native histograms,
    /// which the event receiver does not evaluate (its float samples are still taken); 413 above
    /// the size limit; 415 for a Content-Type or Content-Encoding it does not read.
    func remoteWrite(_ request: Request) async throws -> Response {
        let arrived = Date()
        try await authorize(request, .remoteWrite)
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "snappy" {
            throw HTTPError(.unsupportedMediaType, message: "Content-Encoding must be snappy")
        }
        let limits = RemoteWrite.Limits()
        let received: RemoteWrite.Received
        do {
            let message = try RemoteWrite.Message(contentType: request.headers[.contentType])
            var request = request
            let buffer: ByteBuffer
            do { buffer = try await request.collectBody(upTo: limits.maxCompressedBytes) } catch {
                throw HTTPError(.contentTooLarge, message: "remote write body above \(limits.maxCompressedBytes) bytes")
            }
            received = try RemoteWrite.decode(Array(buffer: buffer), as: message, limits: limits)
        } catch let error as RemoteWriteError {
            throw HTTPError(HTTPResponse.Status(code: error.httpStatus), message: error.message)
        }
        let series = received.request.timeseries.map { series -> EventSeries in
            var labels: [String: String] = [:]
            var metric = ""
            for label in series.labels {
                if label.name == RemoteWrite.metricNameLabel { metric = label.value } else { labels[label.name] = label.value }
            }
            return EventSeries(metric: metric, labels: labels,
                               samples: series.samples.map { (value: $0.value, time: Double($0.timestamp) / 1000) })
        }
        await state.ingest(series, received: arrived)
        var headers = HTTPFields()
        for (name, value) in RemoteWrite.writtenHeaders(samples: received.samples, histograms: 0, exemplars: 0) {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        guard received.histograms == 0 else {
            throw HTTPError(.badRequest, headers: headers,
                            message: "\(received.histograms) native histogram samples were not written: the event receiver "
                                + "evaluates float samples only (\(received.samples) written)")
        }
        return Response(status: .noContent, headers: headers)
    }

    func object(_ request: Request, digest: String) async throws -> Response {
        let identity = try await authenticate(request)
        var assigned: Set<String> = []
        if case .node(let node) = identity, let assignment = await state.assignment(node: node) {
            assigned = Set(assignment.probes.map(\.digest))
        }
        try require(identity, .object(digest: digest, assigned: assigned))
        guard let elf = await state.object(digest: digest) else {
            throw HTTPError(.notFound, message: "no object with digest \(digest) is in use")
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                        body: .init(byteBuffer: ByteBuffer(bytes: elf)))
    }

    func hook(_ request: Request) async throws -> Response {
        let headers = request.headers
        let header = { (name: String) in headers.first { $0.name.canonicalName == name.lowercased() }?.value }
        // Headers first: without a signature (or with a wrong GitLab token) nothing of the body is read.
        if case .failure(let failure) = webhook.verifyHeaders(header) { throw HTTPError(.unauthorized, message: failure.description) }
        var request = request
        let read: [UInt8]?
        do {
            read = try await unverifiedWebhooks.ifAdmitted {
                Array(buffer: try await request.collectBody(upTo: WebhookVerifier.maxBody))
            }
        } catch {
            throw HTTPError(.contentTooLarge, message: "webhook body above \(WebhookVerifier.maxBody) bytes")
        }
        guard let body = read else {
            throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "1"],
                            message: "\(unverifiedWebhooks.limit) webhook bodies are being checked; retry")
        }
        if case .failure(let failure) = webhook.verify(body: body, header: header) {
            throw HTTPError(.unauthorized, message: failure.description)
        }
        if let event = PushEvent.parse(body), !event.concerns(branch: branch) {
            return Self.text(.accepted, "ignored: the push is not to \(branch)\n")
        }
        onPush()
        return Self.text(.accepted, "fetching\n")
    }

    /// Assignments are handed out only once a revision is reconciled: before that (a restart
    /// whose git server is unreachable, say) the desired state is empty, and an agent given it
    /// would remove every probe. Agents retry.
    func requireReconciled() async throws {
        guard await state.revision == nil else { return }
        throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "1"],
                        message: "no revision of the repository is reconciled yet; retry")
    }

    static func unknown(_ node: String) -> HTTPError {
        HTTPError(.notFound, message: "node \"\(node)\" is not registered: POST \(AgentAPI.agents) first")
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json<T: Encodable>(_ value: T) throws -> Response {
        let encoder = NodeProbeState.makeEncoder()
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func decode<T: Decodable>(_ request: Request) async throws -> T {
        var request = request
        let data = Data(buffer: try await request.collectBody(upTo: maxBody))
        do { return try NodeProbeState.makeDecoder().decode(T.self, from: data) } catch {
            throw HTTPError(.badRequest, message: "not a valid \(T.self): \(error)")
        }
    }
}
