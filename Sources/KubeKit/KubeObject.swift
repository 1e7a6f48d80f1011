/// One object of the Kubernetes API, kept whole as JSON, with the metadata an informer needs.
public struct KubeObject: Sendable, Hashable {
    /// The object as the API server sent it.
    public var json: JSONValue

    /// Wraps a JSON object.
    public init(json: JSONValue) {
        self.json = json
    }

    /// `metadata.name` (empty when absent).
    public var name: String { json["metadata"]?["name"]?.string ?? "" }
    /// `metadata.namespace`; nil for cluster-scoped objects.
    public var namespace: String? { json["metadata"]?["namespace"]?.string }
    /// `metadata.uid`.
    public var uid: String? { json["metadata"]?["uid"]?.string }
    /// `metadata.resourceVersion`: opaque, only compared for equality and passed back to the server.
    public var resourceVersion: String? { json["metadata"]?["resourceVersion"]?.string }
    /// `metadata.generation`: incremented by the server on every change of the spec.
    public var generation: Int64? { json["metadata"]?["generation"]?.integer }
    /// `metadata.deletionTimestamp` is set: the object is being deleted (finalizers pending).
    public var isBeingDeleted: Bool { json["metadata"]?["deletionTimestamp"] != nil }

    /// `namespace/name`, or `name` for cluster-scoped objects: the informer cache's key (as
    /// client-go's MetaNamespaceKeyFunc).
    public var key: String { namespace.map { "\($0)/\(name)" } ?? name }
}
