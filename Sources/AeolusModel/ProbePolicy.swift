/// A ProbePolicy: which template to run with which parameters on which nodes and pods. The same
/// schema serves a file under `policies/` and the Kubernetes custom resource (`aeolus.io/v1alpha1`).
public struct ProbePolicy: Sendable, Hashable, Codable {
    /// Always `aeolus.io/v1alpha1`.
    public var apiVersion: String
    /// Always `ProbePolicy`.
    public var kind: String
    /// Name, namespace, generation, labels.
    public var metadata: ObjectMeta
    /// What to run where.
    public var spec: ProbePolicySpec
    /// Written by the dictator (custom resources only).
    public var status: ProbePolicyStatus?

    /// Creates a policy.
    public init(metadata: ObjectMeta, spec: ProbePolicySpec, status: ProbePolicyStatus? = nil) {
        apiVersion = AeolusAPI.version
        kind = "ProbePolicy"
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// `namespace/name`, or `name` without a namespace: unique among policies.
    public var key: String { metadata.namespace.map { "\($0)/\(metadata.name)" } ?? metadata.name }

    private enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, status }

    /// Decodes leniently (unknown fields ignored, absent ones defaulted), as objects from the Kubernetes API arrive.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion) ?? AeolusAPI.version
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "ProbePolicy"
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        spec = try c.decode(ProbePolicySpec.self, forKey: .spec)
        status = try c.decodeIfPresent(ProbePolicyStatus.self, forKey: .status)
    }
}

/// The part of Kubernetes object metadata Aeolus uses.
public struct ObjectMeta: Sendable, Hashable, Codable {
    /// The object's name.
    public var name: String
    /// The namespace; nil for files in git that do not set one.
    public var namespace: String?
    /// Incremented by the API server on every spec change.
    public var generation: Int64?
    /// The API server's version of the object, for watches.
    public var resourceVersion: String?
    /// Labels.
    public var labels: [String: String]
    /// Annotations.
    public var annotations: [String: String]

    /// Creates metadata.
    public init(name: String, namespace: String? = nil, generation: Int64? = nil, resourceVersion: String? = nil,
                labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.name = name
        self.namespace = namespace
        self.generation = generation
        self.resourceVersion = resourceVersion
        self.labels = labels
        self.annotations = annotations
    }

    private enum CodingKeys: String, CodingKey { case name, namespace, generation, resourceVersion, labels, annotations }

    /// Decodes leniently.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        generation = try c.decodeIfPresent(Int64.self, forKey: .generation)
        resourceVersion = try c.decodeIfPresent(String.self, forKey: .resourceVersion)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
    }
}

/// What a policy asks for.
public struct ProbePolicySpec: Sendable, Hashable, Codable {
    /// The template name.
    public var template: String
    /// Parameter values as text, checked against the template's parameter types.
    public var parameters: [String: String]
    /// Which nodes and pods.
    public var selector: ProbeSelector
    /// When true, the policy's probes are removed but the policy is kept.
    public var suspend: Bool

    /// Creates a spec.
    public init(template: String, parameters: [String: String] = [:], selector: ProbeSelector = ProbeSelector(), suspend: Bool = false) {
        self.template = template
        self.parameters = parameters
        self.selector = selector
        self.suspend = suspend
    }

    private enum CodingKeys: String, CodingKey { case template, parameters, selector, suspend }

    /// Decodes leniently; parameter values may be JSON strings, numbers or booleans.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        template = try c.decode(String.self, forKey: .template)
        parameters = try c.decodeIfPresent([String: ScalarText].self, forKey: .parameters)?.mapValues(\.text) ?? [:]
        selector = try c.decodeIfPresent(ProbeSelector.self, forKey: .selector) ?? ProbeSelector()
        suspend = try c.decodeIfPresent(Bool.self, forKey: .suspend) ?? false
    }
}

/// A JSON scalar (string, integer, number or bool) read as text.
struct ScalarText: Decodable {
    let text: String
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { text = s }
        else if let b = try? c.decode(Bool.self) { text = b ? "true" : "false" }
        else if let i = try? c.decode(Int64.self) { text = String(i) }
        else if let u = try? c.decode(UInt64.self) { text = String(u) }
        else { text = String(try c.decode(Double.self)) }
    }
}

/// The nodes and pods a policy selects.
public struct ProbeSelector: Sendable, Hashable, Codable {
    /// Node labels; empty selects every node.
    public var nodes: LabelSelector
    /// Pods whose interfaces tc/XDP probes attach to; nil for hooks that are not per interface.
    public var pods: PodSelector?

    /// Creates a selector.
    public init(nodes: LabelSelector = LabelSelector(), pods: PodSelector? = nil) {
        self.nodes = nodes
        self.pods = pods
    }

    private enum CodingKeys: String, CodingKey { case nodes, pods }

    /// Decodes leniently.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nodes = try c.decodeIfPresent(LabelSelector.self, forKey: .nodes) ?? LabelSelector()
        pods = try c.decodeIfPresent(PodSelector.self, forKey: .pods)
    }
}

/// A policy's status as the dictator reports it (Kubernetes conventions).
public struct ProbePolicyStatus: Sendable, Hashable, Codable {
    /// The generation the conditions describe.
    public var observedGeneration: Int64?
    /// Ready, Reconciling, Stalled...
    public var conditions: [Condition]

    /// Creates a status.
    public init(observedGeneration: Int64? = nil, conditions: [Condition] = []) {
        self.observedGeneration = observedGeneration
        self.conditions = conditions
    }

    private enum CodingKeys: String, CodingKey { case observedGeneration, conditions }

    /// Decodes leniently.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        observedGeneration = try c.decodeIfPresent(Int64.self, forKey: .observedGeneration)
        conditions = try c.decodeIfPresent([Condition].self, forKey: .conditions) ?? []
    }
}

/// A Kubernetes-style condition.
public struct Condition: Sendable, Hashable, Codable {
    /// `Ready`, `Reconciling`, `Stalled`.
    public var type: String
    /// `"True"`, `"False"` or `"Unknown"`.
    public var status: String
    /// A CamelCase reason.
    public var reason: String?
    /// A human-readable message.
    public var message: String?
    /// RFC 3339 time of the last status change.
    public var lastTransitionTime: String?
    /// The generation this condition was computed for.
    public var observedGeneration: Int64?

    /// Creates a condition.
    public init(type: String, status: String, reason: String? = nil, message: String? = nil,
                lastTransitionTime: String? = nil, observedGeneration: Int64? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }
}
