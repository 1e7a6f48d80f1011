/// The HTTP API between agents and the dictator (JSON bodies; `Authorization: Bearer <token>`:
/// the node's own token on the node's routes and the objects its assignment names, the
/// collector token on remote write, the dictator's secret anywhere).
///
/// - `POST   /api/v1/agents` — register: `AgentRegistration` in, the node's current `NodeAssignment` out.
/// - `GET    /api/v1/nodes/{node}/assignment` — the node's current `NodeAssignment`.
/// - `GET    /api/v1/nodes/{node}/assignment?watch=1&revision=N` — newline-delimited JSON: one
///   `NodeAssignment` per line, each with a revision above N (the current one first when it is
///   newer than N), then one per change; an empty line every `heartbeat` keeps idle connections
///   alive. A client that reconnects with the last revision it saw neither loses nor repeats a
///   change (assignments are whole, so only the newest matters).
/// - `GET    /api/v1/objects/{digest}` — the compiled object (`application/octet-stream`) whose
///   SHA-256 is `digest` (`sha256:<hex>`).
/// - `PUT    /api/v1/nodes/{node}/state` — the agent's `NodeProbeState`; 204.
/// - `POST   /api/v1/write` — Prometheus remote write 1.0 from collectors (events).
public enum AgentAPI {
    /// Registration.
    public static let agents = "/api/v1/agents"

    /// A node's assignment (and its watch).
    public static func assignment(node: String) -> String { "/api/v1/nodes/\(node)/assignment" }

    /// A node's reported state.
    public static func state(node: String) -> String { "/api/v1/nodes/\(node)/state" }

    /// An object by digest.
    public static func object(digest: String) -> String { "/api/v1/objects/\(digest)" }

    /// The remote-write receiver.
    public static let remoteWrite = "/api/v1/write"

    /// Seconds between heartbeat lines on an idle watch.
    public static let heartbeatSeconds = 15
}
