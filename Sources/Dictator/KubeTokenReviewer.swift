import Crypto
import Foundation
import KubeKit
import Synchronization

/// Proves an agent's node inside a Kubernetes cluster: the agent sends its pod's projected
/// service-account token (audience `aeolus`); the API server's TokenReview says which service
/// account and which pod it is bound to, and the pod's `spec.nodeName` is the node the agent
/// may speak for. Only tokens of the agents' service account are taken (any pod may ask the
/// kubelet for a token of any audience). Answers are kept for `cacheSeconds`, so a busy agent
/// costs the API server a review and a pod read per token and minute, not per request.
public struct KubeTokenReviewer: Sendable {
    /// The audience an agent's token must have.
    public static let audience = "aeolus"

    /// The API server.
    public let client: KubeClient
    /// `system:serviceaccount:<namespace>:<name>`: the agents' service account.
    public let username: String
    /// How long a review's answer is reused.
    public let cacheSeconds: TimeInterval
    private let cache: Cache

    /// A reviewer that takes tokens of the service account `name` in `namespace`.
    public init(client: KubeClient, serviceAccountNamespace namespace: String, serviceAccount name: String, cacheSeconds: TimeInterval = 60) {
        self.client = client
        self.username = "system:serviceaccount:\(namespace):\(name)"
        self.cacheSeconds = cacheSeconds
        self.cache = Cache()
    }

    /// The node `token` proves, or why not (401).
    public func review(_ token: String, now: Date = Date()) async -> Result<APIAuthorizer.Identity, APIAuthorizer.Denial> {
        let key = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        if let identity = cache.get(key, now: now) { return .success(identity) }
        let result: Result<APIAuthorizer.Identity, APIAuthorizer.Denial>
        do {
            let review = try await client.create(.tokenReviews, object: Self.request(token))
            switch Self.boundPod(review.json, username: username) {
            case .failure(let denial):
                result = .failure(denial)
            case .success(let pod):
                let object = try await client.get(.pods(), name: pod.name, namespace: pod.namespace)
                result = Self.node(of: object?.json, bound: pod)
            }
        } catch {
            return .failure(.unauthorized("the token could not be reviewed by the Kubernetes API: \(error)"))
        }
        if case .success(let identity) = result { cache.put(key, identity, until: now.addingTimeInterval(cacheSeconds)) }
        return result
    }

    // MARK: Pure steps

    /// The pod a token is bound to, as a TokenReview names it.
    public struct BoundPod: Sendable, Hashable {
        public var namespace: String, name: String, uid: String?
    }

    /// The TokenReview to create for `token`.
    public static func request(_ token: String) -> JSONValue {
        .object(["apiVersion": .string("authentication.k8s.io/v1"), "kind": .string("TokenReview"),
                 "spec": .object(["token": .string(token), "audiences": .array([.string(audience)])])])
    }

    /// The pod an answered TokenReview binds the token to, when it is authenticated for the
    /// audience, as the service account `username`.
    public static func boundPod(_ review: JSONValue, username: String) -> Result<BoundPod, APIAuthorizer.Denial> {
        let status = review["status"]
        guard status?["authenticated"] == .bool(true) else {
            return .failure(.unauthorized("the Kubernetes API did not authenticate the token: \(status?["error"]?.string ?? "no reason given")"))
        }
        if let audiences = status?["audiences"], !(audiences.array ?? []).contains(.string(audience)) {
            return .failure(.unauthorized("the token is not for the audience \"\(audience)\""))
        }
        let user = status?["user"]
        guard let name = user?["username"]?.string, name == username else {
            return .failure(.unauthorized("the token is \(user?["username"]?.string ?? "nobody")'s, not the agents' service account \(username)'s"))
        }
        let extra = user?["extra"]
        guard let pod = extra?["authentication.kubernetes.io/pod-name"]?.array?.first?.string else {
            return .failure(.unauthorized("the token is bound to no pod (a projected service-account token is needed)"))
        }
        let namespace = String(username.split(separator: ":")[2])
        return .success(BoundPod(namespace: namespace, name: pod, uid: extra?["authentication.kubernetes.io/pod-uid"]?.array?.first?.string))
    }

    /// The node the bound pod runs on (`pod`: the object read back, nil when it is gone).
    public static func node(of pod: JSONValue?, bound: BoundPod) -> Result<APIAuthorizer.Identity, APIAuthorizer.Denial> {
        guard let pod else { return .failure(.unauthorized("the token's pod \(bound.namespace)/\(bound.name) is gone")) }
        if let uid = bound.uid, pod["metadata"]?["uid"]?.string != uid {
            return .failure(.unauthorized("the token's pod \(bound.namespace)/\(bound.name) was replaced by another of the same name"))
        }
        guard let node = pod["spec"]?["nodeName"]?.string, APIAuthorizer.problem(nodeName: node) == nil else {
            return .failure(.unauthorized("the token's pod \(bound.namespace)/\(bound.name) is on no node"))
        }
        return .success(.node(node))
    }

    /// Answers by token digest, with an expiry; bounded.
    final class Cache: Sendable {
        private let entries = Mutex<[String: (identity: APIAuthorizer.Identity, until: Date)]>([:])
        static let limit = 20_000

        func get(_ key: String, now: Date) -> APIAuthorizer.Identity? {
            entries.withLock { entries in
                guard let entry = entries[key], entry.until > now else { return nil }
                return entry.identity
            }
        }

        func put(_ key: String, _ identity: APIAuthorizer.Identity, until: Date) {
            entries.withLock { entries in
                if entries.count >= Self.limit { entries = entries.filter { $0.value.until > Date() } }
                if entries.count >= Self.limit { entries.removeAll() }
                entries[key] = (identity, until)
            }
        }
    }
}
