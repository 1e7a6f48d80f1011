import Foundation

/// The probes the dictator wants on one node, at one revision: what an agent applies. Revisions
/// only grow, like Kubernetes resourceVersions, so a watcher resumes after a dropped connection
/// from the last revision it saw.
public struct NodeAssignment: Sendable, Hashable, Codable {
    /// The node's name.
    public var node: String
    /// Monotonic revision of this node's assignment.
    public var revision: Int64
    /// Every probe the node should run.
    public var probes: [ProbeAssignment]

    /// Creates an assignment.
    public init(node: String, revision: Int64, probes: [ProbeAssignment] = []) {
        self.node = node
        self.revision = revision
        self.probes = probes
    }
}

/// One probe an agent should run: the object to load (by digest, or a local file in standalone
/// mode), the bytes of its parameters, where each program attaches and which pods it covers.
///
/// Everything typed is resolved by the dictator; the agent needs no template or repository.
/// A value type whose fields live in one shared, immutable box: the planner hands the same probe
/// to thousands of nodes, so a copy costs one reference count and equal copies compare by identity.
public struct ProbeAssignment: Sendable, Hashable, Codable {
    /// The fields, as encoded.
    private struct Fields: Sendable, Hashable, Codable {
        var id: String
        var template: String
        var digest: String
        var objectPath: String?
        var programs: [TemplateProgram]
        var load: LoadSettings
        var parameters: [String: String]
        var pods: PodSelector?
        var metrics: [MetricSpec]
        var annotations: [String: String]?
    }

    private final class Storage: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var storage: Storage

    private mutating func update(_ change: (inout Fields) -> Void) {
        var fields = storage.fields
        change(&fields)
        storage = Storage(fields)
    }

    /// Stable identity: `policy/<namespace>/<name>` or `reaction/<id>`. Equal ids are the same probe.
    public var id: String {
        get { storage.fields.id }
        set { update { $0.id = newValue } }
    }
    /// The template's name.
    public var template: String {
        get { storage.fields.template }
        set { update { $0.template = newValue } }
    }
    /// `sha256:<hex>` of the object.
    public var digest: String {
        get { storage.fields.digest }
        set { update { $0.digest = newValue } }
    }
    /// A local object file (standalone agents); agents of a dictator fetch by digest instead.
    public var objectPath: String? {
        get { storage.fields.objectPath }
        set { update { $0.objectPath = newValue } }
    }
    /// The template's programs and their hooks.
    public var programs: [TemplateProgram] {
        get { storage.fields.programs }
        set { update { $0.programs = newValue } }
    }
    /// `.rodata` bytes and map sizes.
    public var load: LoadSettings {
        get { storage.fields.load }
        set { update { $0.load = newValue } }
    }
    /// The parameters as given, for status and logs.
    public var parameters: [String: String] {
        get { storage.fields.parameters }
        set { update { $0.parameters = newValue } }
    }
    /// For tc and XDP programs: the pods whose interfaces get the probe (nil: every pod).
    public var pods: PodSelector? {
        get { storage.fields.pods }
        set { update { $0.pods = newValue } }
    }
    /// How the collector reads the maps (copied from the template).
    public var metrics: [MetricSpec] {
        get { storage.fields.metrics }
        set { update { $0.metrics = newValue } }
    }
    /// The dictator's notes about the probe (the `aeolus.io/` annotations of the policy or
    /// reaction that asked for it). Agents keep them with the probe and echo them in their
    /// reports, so a restarted dictator can take back what it had not written down yet.
    public var annotations: [String: String]? {
        get { storage.fields.annotations }
        set { update { $0.annotations = newValue } }
    }

    /// Creates an assignment.
    public init(id: String, template: String, digest: String, objectPath: String? = nil,
                programs: [TemplateProgram], load: LoadSettings = LoadSettings(), parameters: [String: String] = [:],
                pods: PodSelector? = nil, metrics: [MetricSpec] = [], annotations: [String: String]? = nil) {
        storage = Storage(Fields(id: id, template: template, digest: digest, objectPath: objectPath, programs: programs,
                                 load: load, parameters: parameters, pods: pods, metrics: metrics, annotations: annotations))
    }

    public static func == (lhs: ProbeAssignment, rhs: ProbeAssignment) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    public func hash(into hasher: inout Hasher) { storage.fields.hash(into: &hasher) }

    /// Decodes the fields as a flat object (`id`, `template`, `digest`, ...).
    public init(from decoder: Decoder) throws { storage = Storage(try Fields(from: decoder)) }

    /// Encodes the fields as a flat object (`id`, `template`, `digest`, ...).
    public func encode(to encoder: Encoder) throws { try storage.fields.encode(to: encoder) }

    /// Whether the running probe `other` must be replaced to become this one (same id, but a
    /// different object, parameters, hooks or pods).
    public func differs(from other: ProbeAssignment) -> Bool {
        digest != other.digest || programs != other.programs || load != other.load || pods != other.pods
    }
}

/// What an agent tells the dictator when it starts: who it is and what its kernel can do.
public struct AgentRegistration: Sendable, Hashable, Codable {
    /// The node's name.
    public var node: String
    /// The node's labels (policies' node selectors match these).
    public var labels: [String: String]
    /// `uname -r`.
    public var kernelVersion: String
    /// Hooks this kernel supports.
    public var hooks: [Hook]
    /// What already runs on the node as the agent registers (nil: not said). A dictator that
    /// restarted takes back from it what it had not yet written down (reactions in flight).
    public var probes: [ProbeState]?

    /// Creates a registration.
    public init(node: String, labels: [String: String] = [:], kernelVersion: String, hooks: [Hook],
                probes: [ProbeState]? = nil) {
        self.node = node
        self.labels = labels
        self.kernelVersion = kernelVersion
        self.hooks = hooks
        self.probes = probes
    }

    /// The registration without `probes`: who the agent is, which is what the dictator keeps.
    public var identity: AgentRegistration {
        var identity = self
        identity.probes = nil
        return identity
    }
}
