import Hummingbird
import Logging

/// The agent's own HTTP endpoints: `/metrics` (Prometheus text format) and `/healthz`.
public enum AgentHTTPServer {
    /// The router serving `agent`'s endpoints.
    public static func router(for agent: Agent) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: agent.metrics.render())))
        }
        router.get("/healthz") { _, _ -> Response in
            let healthy = agent.isHealthy
            return Response(status: healthy ? .ok : .serviceUnavailable,
                            body: .init(byteBuffer: ByteBuffer(string: healthy ? "ok\n" : "not reconciling\n")))
        }
        return router
    }
}
