import AeolusModel
import Foundation

/// Which objects of a collection a list or watch returns, as the API server filters them:
/// `fieldSelector` (`spec.nodeName=node-a`, `metadata.name=x`) and `labelSelector` (`app=web,tier!=db`).
public struct KubeSelector: Sendable, Hashable, CustomStringConvertible {
    /// The field selector; nil for none.
    public var fields: String?
    /// The label selector; nil for none.
    public var labels: String?

    /// A selector.
    public init(fields: String? = nil, labels: String? = nil) {
        self.fields = fields
        self.labels = labels
    }

    /// Every object.
    public static let everything = KubeSelector()

    /// The object named `name` (a watch of one object, as client-go's `fields.OneTermEqualSelector`).
    public static func named(_ name: String) -> KubeSelector { KubeSelector(fields: "metadata.name=\(name)") }

    /// The query parameters it adds to a list or watch.
    var query: [String: String] {
        var query: [String: String] = [:]
        if let fields, !fields.isEmpty { query["fieldSelector"] = fields }
        if let labels, !labels.isEmpty { query["labelSelector"] = labels }
        return query
    }

    public var description: String {
        [fields.map { "fields \($0)" }, labels.map { "labels \($0)" }].compactMap { $0 }.joined(separator: ", ")
    }
}

/// A resource collection of the API: group, version and plural name, optionally one namespace.
public struct KubeResource: Sendable, Hashable, CustomStringConvertible {
    /// The API group; empty for the core group (`/api/v1`).
    public var group: String
    /// The version (`v1`, `v1alpha1`).
    public var version: String
    /// The plural resource name (`probepolicies`).
    public var plural: String
    /// One namespace; nil for every namespace (or a cluster-scoped resource).
    public var namespace: String?

    /// Describes a collection.
    public init(group: String, version: String, plural: String, namespace: String? = nil) {
        self.group = group
        self.version = version
        self.plural = plural
        self.namespace = namespace
    }

    /// Core `v1` Pods (`spec.nodeName=<node>` selects one node's).
    public static func pods(namespace: String? = nil) -> KubeResource {
        KubeResource(group: "", version: "v1", plural: "pods", namespace: namespace)
    }

    /// Core `v1` Nodes (cluster-scoped).
    public static let nodes = KubeResource(group: "", version: "v1", plural: "nodes")

    /// `authentication.k8s.io/v1` TokenReviews (create only: the API server checks a token).
    public static let tokenReviews = KubeResource(group: "authentication.k8s.io", version: "v1", plural: "tokenreviews")

    /// Aeolus' ProbePolicy custom resource (`manifests/crd-probepolicy.yaml`).
    public static func probePolicies(namespace: String? = nil) -> KubeResource {
        let parts = AeolusAPI.version.split(separator: "/")
        return KubeResource(group: String(parts[0]), version: String(parts[1]), plural: "probepolicies", namespace: namespace)
    }

    /// `coordination.k8s.io/v1` Leases (leader election).
    public static func leases(namespace: String? = nil) -> KubeResource {
        KubeResource(group: "coordination.k8s.io", version: "v1", plural: "leases", namespace: namespace)
    }

    /// The same collection in `namespace`.
    public func inNamespace(_ namespace: String?) -> KubeResource {
        var copy = self
        copy.namespace = namespace
        return copy
    }

    /// `/apis/<group>/<version>` or `/api/v1`.
    var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The collection's path: `/apis/g/v[/namespaces/ns]/plural`.
    public var collectionPath: String {
        groupVersionPath + (namespace.map { "/namespaces/\(KubeResource.escape($0))" } ?? "") + "/\(plural)"
    }

    /// The path of one object (`namespace` overrides the collection's).
    public func objectPath(name: String, namespace: String? = nil) -> String {
        inNamespace(namespace ?? self.namespace).collectionPath + "/\(KubeResource.escape(name))"
    }

    /// `plural.group/version` for messages.
    public var description: String {
        "\(plural)\(group.isEmpty ? "" : ".\(group)")/\(version)" + (namespace.map { " in namespace \($0)" } ?? "")
    }

    /// Percent-encodes a path segment or query value (names are DNS labels, but a resourceVersion
    /// is opaque).
    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
