import Foundation

/// A fake Kubernetes API server for tests (no real one can run here), serving a custom resource
/// (by default Aeolus' ProbePolicy), core Pods and Nodes, and Leases faithfully to the protocol:
/// list and watch with label and field selectors, resourceVersions, bookmarks and 410 for a
/// compacted one, the status subresource, discovery and Tables for kubectl, bearer-token auth,
/// optional TLS (see `FakeKubeAPIServer.script`). Tests change objects through this API (or over
/// HTTP, as any client would) and can compact the history, rotate tokens, simulate an outage and
/// read the request log. Real clients (kubectl, the Python `kubernetes` client) work against it
/// over TLS (`FakeKubeAPIServerFidelityTests`). A Python 3 process on 127.0.0.1, on a port the
/// kernel picks (or a given one); stopped on deinit.
public final class FakeKubeAPIServer: Sendable {
    /// The port (127.0.0.1).
    public let port: Int
    /// `http` or `https`.
    public let scheme: String
    /// `scheme://127.0.0.1:port`: a kubeconfig's `server`.
    public var url: String { "\(scheme)://127.0.0.1:\(port)" }
    /// A bearer token the server accepts (until `setTokens` replaces the accepted set).
    public let token: String
    /// The custom resource (`FakeKubeKind.probePolicies`): group, version, plural, kind.
    public let group: String, version: String, plural: String, kind: String
    private let process: PythonServerProcess

    /// One request the server received.
    public struct Request: Sendable, Hashable {
        /// GET, POST, ...
        public var method: String
        /// The path, without the query.
        public var path: String
        /// The query parameters.
        public var query: [String: String]
        /// The Content-Type header ("" when absent).
        public var contentType: String
        /// The Authorization header ("" when absent).
        public var authorization: String
    }

    /// Starts a server (blocking the calling thread until it listens): plain HTTP, or HTTPS with
    /// `tls.server` (then clients with a certificate signed by `tls.ca` are authenticated too).
    /// Bookmarks go out every `bookmarkInterval` seconds (a real server: about a minute).
    /// `shortNames` of the custom resource for discovery (nil: `pp` for probepolicies, as the CRD).
    public init(tls: HTTPTestServerCertificates? = nil, bookmarkInterval: Double = 1, port: Int = 0,
                group: String = "aeolus.io", version: String = "v1alpha1", plural: String = "probepolicies",
                kind: String = "ProbePolicy", shortNames: [String]? = nil) throws {
        token = "fake-\(UUID().uuidString)"
        (self.group, self.version, self.plural, self.kind) = (group, version, plural, kind)
        let shortNames = shortNames ?? (plural == "probepolicies" ? ["pp"] : [])
        var arguments = ["--group", group, "--version", version, "--plural", plural, "--kind", kind,
                         "--short-names", shortNames.joined(separator: ","),
                         "--admin-token", "admin-\(UUID().uuidString)", "--tokens", token,
                         "--bookmark-interval", String(bookmarkInterval), "--port", String(port)]
        if let tls {
            arguments += ["--cert", tls.serverCertificate, "--key", tls.serverKey, "--client-ca", tls.caCertificate]
        }
        scheme = tls == nil ? "http" : "https"
        process = try PythonServerProcess(script: Self.script, arguments: arguments, name: "fake-kube-apiserver")
        self.port = process.port
    }

    /// Starts a server on a thread of its own (see `init`).
    public static func start(tls: HTTPTestServerCertificates? = nil, bookmarkInterval: Double = 1) async throws -> FakeKubeAPIServer {
        try await offThePool { try FakeKubeAPIServer(tls: tls, bookmarkInterval: bookmarkInterval) }
    }

    // MARK: objects

    /// Creates a custom resource object in `namespace` (`create(.probePolicies, ...)`).
    @discardableResult
    public func create(namespace: String, _ object: [String: Any]) throws -> [String: Any] {
        try create(.probePolicies, namespace: namespace, object)
    }

    /// Replaces a custom resource object's spec, labels and annotations (`update(.probePolicies, ...)`).
    @discardableResult
    public func update(namespace: String, name: String, _ object: [String: Any]) throws -> [String: Any] {
        try update(.probePolicies, namespace: namespace, name: name, object)
    }

    /// Deletes a custom resource object (`delete(.probePolicies, ...)`).
    public func delete(namespace: String, name: String) throws {
        try delete(.probePolicies, namespace: namespace, name: name)
    }

    /// A custom resource object as stored; nil when absent (`get(.probePolicies, ...)`).
    public func get(namespace: String, name: String) throws -> [String: Any]? {
        try get(.probePolicies, namespace: namespace, name: name)
    }

    /// Creates `object` of `kind` (server-set metadata added; one ADDED event); returns it as
    /// stored. `namespace` nil: the object's `metadata.namespace`, else `default` (ignored for
    /// nodes). The custom resource's status is dropped (it is written only through `/status`); a
    /// pod's or node's is kept, the test playing the kubelet.
    @discardableResult
    public func create(_ kind: FakeKubeKind, namespace: String? = nil, _ object: [String: Any]) throws -> [String: Any] {
        try run(command("create", kind, namespace, ["object": object])) as? [String: Any] ?? [:]
    }

    /// Replaces an object's labels, annotations and spec (as `PUT`), and for pods and nodes its
    /// status too (as `PUT` plus a status write), in one MODIFIED event; returns it as stored.
    @discardableResult
    public func update(_ kind: FakeKubeKind, namespace: String? = nil, name: String, _ object: [String: Any]) throws -> [String: Any] {
        try run(command("update", kind, namespace, ["name": name, "object": object])) as? [String: Any] ?? [:]
    }

    /// Deletes an object (one DELETED event).
    public func delete(_ kind: FakeKubeKind, namespace: String? = nil, name: String) throws {
        _ = try run(command("delete", kind, namespace, ["name": name]))
    }

    /// An object as stored; nil when absent.
    public func get(_ kind: FakeKubeKind, namespace: String? = nil, name: String) throws -> [String: Any]? {
        do {
            return try run(command("get", kind, namespace, ["name": name])) as? [String: Any]
        } catch let error as FakeKubeAPIError where error.code == 404 {
            return nil
        }
    }

    /// The current resourceVersion (one counter for every resource, as etcd's revision).
    public func resourceVersion() throws -> String {
        (try run(["op": "list"]) as? [String: Any])?["resourceVersion"] as? String ?? ""
    }

    /// A Lease as stored; nil when absent.
    public func lease(namespace: String, name: String) throws -> [String: Any]? {
        do {
            return try run(["op": "lease-get", "namespace": namespace, "name": name]) as? [String: Any]
        } catch let error as FakeKubeAPIError where error.code == 404 {
            return nil
        }
    }

    /// Sets a Lease's spec, whatever its resourceVersion (created when absent); returns it as stored.
    @discardableResult
    public func setLease(namespace: String, name: String, spec: [String: Any]) throws -> [String: Any] {
        try run(["op": "lease-put", "namespace": namespace, "name": name, "spec": spec]) as? [String: Any] ?? [:]
    }

    // MARK: control

    /// Forgets the history of events: a watch from any earlier resourceVersion gets 410 Expired.
    public func compact() throws { _ = try run(["op": "compact"]) }

    /// Replaces the accepted bearer tokens (token rotation; the admin token stays).
    public func setTokens(_ tokens: [String]) throws { _ = try run(["op": "tokens", "tokens": tokens]) }

    /// Makes `token` a bound service-account token of `serviceAccount` in `namespace` for the pod
    /// `pod` with `audiences`, as the kubelet's projected tokens are: a TokenReview
    /// (`POST /apis/authentication.k8s.io/v1/tokenreviews`) authenticates it while the pod exists
    /// and the review asks for one of its audiences.
    public func addServiceAccountToken(_ token: String, namespace: String, serviceAccount: String, pod: String,
                                       audiences: [String]) throws {
        _ = try run(["op": "service-account-token", "token": token, "namespace": namespace, "serviceAccount": serviceAccount,
                     "pod": pod, "audiences": audiences])
    }

    /// While `down`, every request and open watch is dropped without an answer (an unreachable server).
    public func setOutage(_ down: Bool) throws { _ = try run(["op": "outage", "down": down]) }

    /// While `held`, a new watch waits before it reads its resourceVersion (so a test can change
    /// and compact the history between a client's watches).
    public func holdWatches(_ held: Bool) throws { _ = try run(["op": "hold-watches", "hold": held]) }

    /// Ends every open watch cleanly (as an API server does at its timeout or on restart).
    public func closeWatches() throws { _ = try run(["op": "close-watches"]) }

    /// Every request received so far, in order.
    public func requests() throws -> [Request] {
        let list = (try run(["op": "requests"]) as? [String: Any])?["requests"] as? [[String: Any]] ?? []
        return list.map {
            Request(method: $0["method"] as? String ?? "", path: $0["path"] as? String ?? "",
                    query: $0["query"] as? [String: String] ?? [:], contentType: $0["contentType"] as? String ?? "",
                    authorization: $0["authorization"] as? String ?? "")
        }
    }

    /// Writes a kubeconfig for this server (context `fake`, the token, the CA when TLS) to `path`.
    public func writeKubeconfig(to path: String, namespace: String? = nil, caFile: String? = nil) throws {
        var text = """
        apiVersion: v1
        kind: Config
        current-context: fake
        clusters:
        - name: fake
          cluster:
            server: \(url)

        """
        if let caFile { text += "    certificate-authority: \(caFile)\n" }
        text += """
        users:
        - name: fake
          user:
            token: \(token)
        contexts:
        - name: fake
          context:
            cluster: fake
            user: fake

        """
        if let namespace { text += "    namespace: \(namespace)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A Pod object: `spec.nodeName`, `spec.hostNetwork`, one container, labels, `status.phase`,
    /// `podIP`/`podIPs` (the first of `ips`), an ownerReference (`controller: true`) when `owner`
    /// is given.
    public static func pod(name: String, namespace: String = "default", node: String, labels: [String: String] = [:],
                           ips: [String] = [], phase: String = "Running", hostNetwork: Bool = false,
                           owner: (kind: String, name: String)? = nil) -> [String: Any] {
        var metadata: [String: Any] = ["name": name, "namespace": namespace, "labels": labels]
        if let owner {
            metadata["ownerReferences"] = [["apiVersion": owner.kind == "Node" ? "v1" : "apps/v1", "kind": owner.kind,
                                            "name": owner.name, "uid": "uid-\(owner.kind.lowercased())-\(owner.name)",
                                            "controller": true, "blockOwnerDeletion": true] as [String: Any]]
        }
        var status: [String: Any] = ["phase": phase]
        if let first = ips.first {
            status["podIP"] = first
            status["podIPs"] = ips.map { ["ip": $0] }
        }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                "spec": ["nodeName": node, "hostNetwork": hostNetwork,
                         "containers": [["name": "main", "image": "registry.k8s.io/pause:3.10"]]] as [String: Any],
                "status": status]
    }

    /// A Node object with labels (and a Ready condition, as a registered kubelet reports).
    public static func node(name: String, labels: [String: String] = [:]) -> [String: Any] {
        ["apiVersion": "v1", "kind": "Node", "metadata": ["name": name, "labels": labels] as [String: Any],
         "status": ["conditions": [["type": "Ready", "status": "True"]]]]
    }

    /// A ProbePolicy object (`metadata` name, `spec` template, parameters, node labels, suspend).
    public static func probePolicy(name: String, template: String, parameters: [String: Any] = [:],
                                   nodeLabels: [String: String] = [:], suspend: Bool = false) -> [String: Any] {
        ["apiVersion": "aeolus.io/v1alpha1", "kind": "ProbePolicy", "metadata": ["name": name],
         "spec": ["template": template, "parameters": parameters, "selector": ["nodes": ["matchLabels": nodeLabels]],
                  "suspend": suspend] as [String: Any]]
    }

    /// A control command on objects of `kind`.
    private func command(_ op: String, _ kind: FakeKubeKind, _ namespace: String?, _ fields: [String: Any]) -> [String: Any] {
        var command = fields.merging(["op": op, "kind": kind.rawValue]) { $1 }
        if let namespace { command["namespace"] = namespace }
        return command
    }

    private func run(_ command: [String: Any]) throws -> Any? {
        let line = String(decoding: try JSONSerialization.data(withJSONObject: command), as: UTF8.self)
        let answer = try JSONSerialization.jsonObject(with: Data(try process.command(line).utf8)) as? [String: Any] ?? [:]
        if let error = answer["error"] as? [String: Any] {
            throw FakeKubeAPIError(code: error["code"] as? Int ?? 0, message: error["message"] as? String ?? "\(error)")
        }
        return answer["ok"]
    }
}

/// The resources `FakeKubeAPIServer` serves (besides Leases).
public enum FakeKubeKind: String, Sendable {
    /// The custom resource (by default Aeolus' ProbePolicy, `aeolus.io/v1alpha1`, namespaced).
    case probePolicies
    /// Core `v1` Pods (namespaced).
    case pods
    /// Core `v1` Nodes (cluster-scoped).
    case nodes
}

/// The fake API server refused a command (the Status it would send a client).
public struct FakeKubeAPIError: Error, CustomStringConvertible {
    /// The HTTP code (404, 409, ...).
    public let code: Int
    /// The Status message.
    public let message: String
    /// The error as one line.
    public var description: String { "\(code): \(message)" }
}
