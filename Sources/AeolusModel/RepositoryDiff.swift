/// What changes between two revisions of a config repository, as a reviewer needs to see it:
/// probes added, removed or re-parameterised per policy, templates whose object changed, graph
/// edges added, removed or changed. A pure function of two `RevisionView`s.
public struct RepositoryDiff: Sendable, Hashable, Codable {
    /// One policy's change.
    public struct PolicyChange: Sendable, Hashable, Codable {
        /// `added`, `removed` or `changed`.
        public var change: Change
        /// `namespace/name`.
        public var policy: String
        /// The policy's template at head (at base for a removal).
        public var template: String
        /// Human-readable details: `parameters.dport: 443 → 8443`, `template object changes`.
        public var details: [String]
    }

    /// One template's change.
    public struct TemplateChange: Sendable, Hashable, Codable {
        /// `added`, `removed` or `changed`.
        public var change: Change
        /// The template's name.
        public var template: String
        /// Object digest at base, if it compiled there.
        public var baseDigest: String?
        /// Object digest at head, if it compiles there.
        public var headDigest: String?
    }

    /// One edge's change.
    public struct EdgeChange: Sendable, Hashable, Codable {
        /// `added`, `removed` or `changed`.
        public var change: Change
        /// The edge's name.
        public var edge: String
        /// `from → deploy: condition`.
        public var summary: String
        /// What changed, for `changed`.
        public var details: [String]
    }

    /// The kind of a change.
    public enum Change: String, Sendable, Hashable, Codable {
        case added, removed, changed

        /// `+`, `-` or `~`.
        public var sign: String { self == .added ? "+" : self == .removed ? "-" : "~" }
    }

    /// Policy changes, by policy key.
    public var policies: [PolicyChange]
    /// Template changes, by name.
    public var templates: [TemplateChange]
    /// Edge changes, by name.
    public var edges: [EdgeChange]

    /// True when nothing changes.
    public var isEmpty: Bool { policies.isEmpty && templates.isEmpty && edges.isEmpty }

    /// The diff from `base` to `head`.
    public init(base: RevisionView, head: RevisionView) {
        templates = Self.keys(base.digests, head.digests).compactMap { name in
            let (old, new) = (base.digests[name], head.digests[name])
            guard old != new else { return nil }
            let change: Change = old == nil ? .added : new == nil ? .removed : .changed
            return TemplateChange(change: change, template: name, baseDigest: old, headDigest: new)
        }
        let changedObjects = Set(templates.filter { $0.change == .changed }.map(\.template))
        let basePolicies = Dictionary(base.policies.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let headPolicies = Dictionary(head.policies.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        policies = Self.keys(basePolicies, headPolicies).compactMap { key in
            switch (basePolicies[key], headPolicies[key]) {
            case let (nil, new?):
                return PolicyChange(change: .added, policy: key, template: new.spec.template,
                                    details: new.spec.parameters.sorted { $0.key < $1.key }.map { "parameters.\($0.key): \($0.value)" })
            case let (old?, nil):
                return PolicyChange(change: .removed, policy: key, template: old.spec.template, details: [])
            case let (old?, new?):
                var details = Self.policyDetails(old.spec, new.spec)
                if old.spec.template == new.spec.template, changedObjects.contains(new.spec.template) {
                    details.append("template \(new.spec.template) object changes: its probes are replaced")
                }
                return details.isEmpty ? nil : PolicyChange(change: .changed, policy: key, template: new.spec.template, details: details)
            case (nil, nil):
                return nil
            }
        }
        let baseEdges = Dictionary(base.edges.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let headEdges = Dictionary(head.edges.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        edges = Self.keys(baseEdges, headEdges).compactMap { name in
            switch (baseEdges[name], headEdges[name]) {
            case let (nil, new?): return EdgeChange(change: .added, edge: name, summary: Self.summary(new), details: [])
            case let (old?, nil): return EdgeChange(change: .removed, edge: name, summary: Self.summary(old), details: [])
            case let (old?, new?) where old != new:
                return EdgeChange(change: .changed, edge: name, summary: Self.summary(new), details: Self.edgeDetails(old, new))
            default: return nil
            }
        }
    }

    private static func keys<V>(_ a: [String: V], _ b: [String: V]) -> [String] {
        Set(a.keys).union(b.keys).sorted()
    }

    private static func summary(_ edge: Edge) -> String {
        "\(edge.from) → \(edge.deploy) when \(edge.when)"
    }

    private static func policyDetails(_ old: ProbePolicySpec, _ new: ProbePolicySpec) -> [String] {
        var details: [String] = []
        if old.template != new.template { details.append("template: \(old.template) → \(new.template)") }
        for key in keys(old.parameters, new.parameters) where old.parameters[key] != new.parameters[key] {
            details.append("parameters.\(key): \(old.parameters[key] ?? "(default)") → \(new.parameters[key] ?? "(default)")")
        }
        if old.selector != new.selector { details.append("selector changes") }
        if old.suspend != new.suspend { details.append(new.suspend ? "suspended" : "resumed") }
        return details
    }

    private static func edgeDetails(_ old: Edge, _ new: Edge) -> [String] {
        var details: [String] = []
        if old.from != new.from || old.deploy != new.deploy {
            details.append("\(old.from) → \(old.deploy) becomes \(new.from) → \(new.deploy)")
        }
        if old.when != new.when { details.append("when: \(old.when) → \(new.when)") }
        if old.with != new.with {
            let render = { (with: [String: Binding]) in with.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.text)" }.joined(separator: " ") }
            details.append("with: \(render(old.with)) → \(render(new.with))")
        }
        if old.on != new.on { details.append("on: \(old.on) → \(new.on)") }
        if old.ttl != new.ttl { details.append("ttl: \(old.ttl) → \(new.ttl)") }
        if old.cooldown != new.cooldown { details.append("cooldown: \(old.cooldown) → \(new.cooldown)") }
        if old.maxActive != new.maxActive { details.append("maxActive: \(old.maxActive) → \(new.maxActive)") }
        if old.allowCycle != new.allowCycle || old.clearOnResolve != new.clearOnResolve { details.append("flags change") }
        return details
    }
}

/// What one revision deploys, as far as a diff is concerned: its applicable policies, the digest
/// of each template's object, and its edges.
public struct RevisionView: Sendable, Hashable {
    /// Policies that apply at this revision.
    public var policies: [ProbePolicy]
    /// Template name → object digest (templates that compiled and verified).
    public var digests: [String: String]
    /// Edges that are active at this revision.
    public var edges: [Edge]

    /// Creates a view.
    public init(policies: [ProbePolicy], digests: [String: String], edges: [Edge]) {
        self.policies = policies
        self.digests = digests
        self.edges = edges
    }
}
