/// A Kubernetes label selector: `matchLabels` and `matchExpressions`, all of which must hold.
/// An empty selector matches everything.
public struct LabelSelector: Sendable, Hashable, Codable {
    /// Labels that must be present with exactly these values.
    public var matchLabels: [String: String]
    /// Further requirements.
    public var matchExpressions: [LabelSelectorRequirement]

    /// Creates a selector.
    public init(matchLabels: [String: String] = [:], matchExpressions: [LabelSelectorRequirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// Whether `labels` satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        matchLabels.allSatisfy { labels[$0.key] == $0.value } && matchExpressions.allSatisfy { $0.matches(labels) }
    }

    /// Whether the selector has no requirement (and so matches everything).
    public var isEmpty: Bool { matchLabels.isEmpty && matchExpressions.isEmpty }

    private enum CodingKeys: String, CodingKey { case matchLabels, matchExpressions }

    /// Decodes leniently: absent fields are empty, as the Kubernetes API omits them.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        matchLabels = try c.decodeIfPresent([String: String].self, forKey: .matchLabels) ?? [:]
        matchExpressions = try c.decodeIfPresent([LabelSelectorRequirement].self, forKey: .matchExpressions) ?? []
    }
}

/// One `matchExpressions` entry: a key, an operator and values.
public struct LabelSelectorRequirement: Sendable, Hashable, Codable {
    /// The set-based operators of Kubernetes label selectors.
    public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
        case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist"
    }

    /// The label key.
    public var key: String
    /// The operator.
    public var op: Operator
    /// The values for In and NotIn; empty for Exists and DoesNotExist.
    public var values: [String]

    /// Creates a requirement.
    public init(key: String, op: Operator, values: [String] = []) {
        self.key = key
        self.op = op
        self.values = values
    }

    /// Whether `labels` satisfy this requirement (NotIn holds when the key is absent, as in Kubernetes).
    public func matches(_ labels: [String: String]) -> Bool {
        switch op {
        case .in: return labels[key].map(values.contains) ?? false
        case .notIn: return labels[key].map { !values.contains($0) } ?? true
        case .exists: return labels[key] != nil
        case .doesNotExist: return labels[key] == nil
        }
    }

    private enum CodingKeys: String, CodingKey { case key, op = "operator", values }

    /// Decodes leniently: absent `values` are empty.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        op = try c.decode(Operator.self, forKey: .op)
        values = try c.decodeIfPresent([String].self, forKey: .values) ?? []
    }
}

/// Which pods a policy's probes attach to (their network interfaces, for tc and XDP hooks):
/// a namespace (nil means every namespace) and a label selector.
public struct PodSelector: Sendable, Hashable, Codable {
    /// The pods' namespace; nil selects pods in every namespace.
    public var namespace: String?
    /// The pods' labels.
    public var labels: LabelSelector

    /// Creates a pod selector.
    public init(namespace: String? = nil, labels: LabelSelector = LabelSelector()) {
        self.namespace = namespace
        self.labels = labels
    }

    /// Whether a pod in `namespace` with `labels` is selected.
    public func matches(namespace: String, labels: [String: String]) -> Bool {
        (self.namespace == nil || self.namespace == namespace) && self.labels.matches(labels)
    }

    private enum CodingKeys: String, CodingKey { case namespace, matchLabels, matchExpressions }

    /// Encodes flat, as in the custom resource: `{namespace, matchLabels, matchExpressions}`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(namespace, forKey: .namespace)
        try c.encode(labels.matchLabels, forKey: .matchLabels)
        try c.encode(labels.matchExpressions, forKey: .matchExpressions)
    }

    /// Decodes the flat form leniently.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        labels = LabelSelector(
            matchLabels: try c.decodeIfPresent([String: String].self, forKey: .matchLabels) ?? [:],
            matchExpressions: try c.decodeIfPresent([LabelSelectorRequirement].self, forKey: .matchExpressions) ?? [])
    }
}
