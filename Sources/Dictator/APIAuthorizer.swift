import AeolusModel
import Crypto
import Foundation

/// Decides who may do what on the dictator's `/api/v1/`: which identity a bearer token proves
/// (the dictator's secret, a node, the collectors) and whether that identity may take a route.
///
/// Node and collector tokens are derived from the secret, so the dictator keeps no list of them:
/// `aeolus.v1.node.<node>.<mac>` and `aeolus.v1.collector.<mac>`, where `<mac>` is the unpadded
/// base64url HMAC-SHA256, keyed with the secret, of `aeolus node token v1\0<node>` or
/// `aeolus collector token v1\0`. Whoever holds the secret itself is an admin. Without a secret
/// every request is an admin's (no authentication, as before tokens existed).
public struct APIAuthorizer: Sendable {
    /// Who a request proved to be.
    public enum Identity: Sendable, Hashable, CustomStringConvertible {
        /// The dictator's secret itself (or no secret configured): every route.
        case admin
        /// One node's agent: its own registration, assignment, watch and state, and the objects
        /// its current assignment names.
        case node(String)
        /// A collector: remote write only.
        case collector

        public var description: String {
            switch self {
            case .admin: "the dictator's secret"
            case .node(let node): "node \"\(node)\"'s token"
            case .collector: "a collector token"
            }
        }
    }

    /// What a request under `/api/v1/` asks for.
    public enum Route: Sendable, Hashable {
        /// `POST /api/v1/agents` with a registration naming `node`.
        case register(node: String)
        /// `GET /api/v1/nodes/{node}/assignment`, watched or not.
        case assignment(node: String)
        /// `PUT /api/v1/nodes/{node}/state`.
        case state(node: String)
        /// `GET /api/v1/objects/{digest}`; `assigned`: the digests the caller's node's current
        /// assignment names (empty for callers that are not nodes).
        case object(digest: String, assigned: Set<String>)
        /// `POST /api/v1/write`.
        case remoteWrite
        /// `GET /api/v1/status`.
        case status
    }

    /// Why a request was refused: 401 (no identity) or 403 (an identity without the right).
    public enum Denial: Error, Sendable, Hashable, CustomStringConvertible {
        /// No token, or one that is neither the secret nor derived from it.
        case unauthorized(String)
        /// A valid token whose identity may not take the route.
        case forbidden(String)

        public var description: String {
            switch self {
            case .unauthorized(let reason), .forbidden(let reason): reason
            }
        }
    }

    /// A token that cannot be minted (a node name that cannot be one).
    public struct MintError: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
    }

    /// Every token this authorizer mints or reads starts with this.
    public static let prefix = "aeolus.v1."

    /// The secret; nil: no authentication.
    public let secret: String?

    /// An authorizer for `secret` (nil or empty: every request is an admin's).
    public init(secret: String?) {
        self.secret = secret.flatMap { $0.isEmpty ? nil : $0 }
    }

    // MARK: Tokens

    /// The bearer token of `identity`: the secret for `.admin`, a derived token otherwise.
    public func token(for identity: Identity) throws(MintError) -> String {
        guard let secret else { throw MintError(description: "there is no secret to derive a token from") }
        switch identity {
        case .admin:
            return secret
        case .node(let node):
            if let problem = Self.problem(nodeName: node) { throw MintError(description: problem) }
            return Self.prefix + "node.\(node)." + Self.mac(secret, identity)
        case .collector:
            return Self.prefix + "collector." + Self.mac(secret, identity)
        }
    }

    /// The identity a derived token claims, its MAC unchecked (nil: not a derived token). For
    /// telling an operator early that a token is not the one meant; never for granting anything.
    public static func claimedIdentity(of token: String) -> Identity? {
        claim(token)?.identity
    }

    /// A derived token's identity and MAC, unchecked.
    static func claim(_ token: String) -> (identity: Identity, mac: String)? {
        guard token.hasPrefix(prefix) else { return nil }
        let rest = token.dropFirst(prefix.count)
        if rest.hasPrefix("collector.") { return (.collector, String(rest.dropFirst("collector.".count))) }
        guard rest.hasPrefix("node.") else { return nil }
        let named = rest.dropFirst("node.".count)
        // Node names may hold dots; the MAC (base64url) holds none.
        guard let dot = named.lastIndex(of: ".") else { return nil }
        let node = String(named[..<dot])
        guard problem(nodeName: node) == nil else { return nil }
        return (.node(node), String(named[named.index(after: dot)...]))
    }

    /// What is wrong with `node` as a node name in a token (nil: nothing). The dictator's own
    /// rule for registrations (non-empty, no `/`), and nothing a header cannot carry.
    public static func problem(nodeName node: String) -> String? {
        if node.isEmpty { return "a node name must not be empty" }
        if node.unicodeScalars.contains(where: { $0 == "/" || $0.value <= 0x20 || $0.value >= 0x7f }) {
            return "node name \"\(node)\" must be printable ASCII without spaces or '/'"
        }
        return nil
    }

    // MARK: Decisions

    /// The identity an `Authorization` header proves.
    public func authenticate(authorization: String?) -> Result<Identity, Denial> {
        guard let secret else { return .success(.admin) }
        guard let token = Self.bearerToken(authorization) else {
            return .failure(.unauthorized("a bearer token is required (Authorization: Bearer <token>)"))
        }
        if WebhookVerifier.constantTimeEqual(token, secret) { return .success(.admin) }
        guard let claim = Self.claim(token), WebhookVerifier.constantTimeEqual(claim.mac, Self.mac(secret, claim.identity)) else {
            return .failure(.unauthorized("the bearer token is neither the dictator's secret nor derived from it"))
        }
        return .success(claim.identity)
    }

    /// The token of an `Authorization: Bearer <token>` header (nil: none).
    public static func bearerToken(_ authorization: String?) -> String? {
        guard let header = authorization, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Whether `identity` may take `route`: nil when it may, the reason (403) when not.
    public func permit(_ identity: Identity, _ route: Route) -> Denial? {
        switch (identity, route) {
        case (.admin, _), (.collector, .remoteWrite):
            return nil
        case (.collector, _):
            return .forbidden("a collector token may only remote-write (\(AgentAPI.remoteWrite))")
        case (.node(let caller), .register(let node)), (.node(let caller), .assignment(let node)), (.node(let caller), .state(let node)):
            return caller == node ? nil : .forbidden("\(identity) is not valid for node \"\(node)\"")
        case (.node, .object(let digest, let assigned)):
            return assigned.contains(digest) ? nil : .forbidden("\(identity) may fetch only objects its node's current assignment names, not \(digest)")
        case (.node, .remoteWrite):
            return .forbidden("\(identity) may not remote-write: collectors use the collector token")
        case (.node, .status):
            return .forbidden("\(identity) may not read the status of every node: that needs the dictator's secret")
        }
    }

    /// `authenticate` then `permit`: the identity, or why not.
    public func decide(authorization: String?, _ route: Route) -> Result<Identity, Denial> {
        authenticate(authorization: authorization).flatMap { identity in
            permit(identity, route).map { .failure($0) } ?? .success(identity)
        }
    }

    // MARK: Helpers

    /// The unpadded base64url HMAC-SHA256, keyed with `secret`, that a derived token of
    /// `identity` carries.
    static func mac(_ secret: String, _ identity: Identity) -> String {
        let message = switch identity {
        case .node(let node): "aeolus node token v1\0" + node
        case .collector: "aeolus collector token v1\0"
        case .admin: "aeolus admin token v1\0"  // never minted: the secret is the admin's token
        }
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(code).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
