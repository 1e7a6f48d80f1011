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
public struct ProbeAssignment: Sendable, Hashable, Codable {
    /// Stable identity: `policy/<namespace>/<name>` or `reaction/<id>`. Equal ids are the same probe.
    public var id: String
    /// The template's name.
    public var template: String
    /// `sha256:<hex>` of the object.
    public var digest: String
    /// A local object file (standalone agents); agents of a dictator fetch by digest instead.
    public var objectPath: String?
    /// The template's programs and their hooks.
    public var programs: [TemplateProgram]
    /// `.rodata` bytes and map sizes.
    public var load: LoadSettings
    /// The parameters as given, for status and logs.
    public var parameters: [String: String]
    /// For tc and XDP programs: the pods whose interfaces get the probe (nil: every pod).
    public var pods: PodSelector?
    /// How the collector reads the maps (copied from the template).
    public var metrics: [MetricSpec]
    /// The dictator's notes about the probe (the `aeolus.io/` annotations of the policy or
    /// reaction that asked for it). Agents keep them with the probe and echo them in their
    /// reports, so a restarted dictator can take back what it had not written down yet.
    public var annotations: [String: String]?

    /// Creates an assignment.
    public init(id: String, template: String, digest: String, objectPath: String? = nil,
                programs: [TemplateProgram], load: LoadSettings = LoadSettings(), parameters: [String: String] = [:],
                pods: PodSelector? = nil, metrics: [MetricSpec] = [], annotations: [String: String]? = nil) {
        self.id = id
        self.template = template
        self.digest = digest
        self.objectPath = objectPath
        self.programs = programs
        self.load = load
        self.parameters = parameters
        self.pods = pods
        self.metrics = metrics
        self.annotations = annotations
    }

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
