import Foundation
import AeolusModel

/// One probe the dictator wants somewhere: the resolved assignment (object digest, load settings,
/// programs, pods, metrics) and the node selector that says where.
public struct DesiredProbe: Sendable, Hashable {
    /// The nodes that should run it.
    public var nodes: LabelSelector
    /// What each of those nodes runs.
    public var assignment: ProbeAssignment
    /// The source that asked for it (`git`, later `kubernetes`, `reaction`).
    public var source: String

    /// Creates a desired probe.
    public init(nodes: LabelSelector, assignment: ProbeAssignment, source: String) {
        self.nodes = nodes
        self.assignment = assignment
        self.source = source
    }

    /// The probe's id (`policy/<namespace>/<name>`, `reaction/<id>`).
    public var id: String { assignment.id }
}

/// Everything the dictator wants on every node, at one moment: probes sorted by id.
public struct DesiredState: Sendable, Hashable {
    /// The probes, sorted by id, ids unique.
    public private(set) var probes: [DesiredProbe]

    /// Creates a desired state; later duplicates of an id are dropped (first source wins).
    public init(probes: [DesiredProbe] = []) {
        var seen = Set<String>()
        self.probes = probes.filter { seen.insert($0.id).inserted }.sorted { $0.id < $1.id }
    }

    /// The probes by id.
    public var byID: [String: DesiredProbe] {
        Dictionary(uniqueKeysWithValues: probes.map { ($0.id, $0) })
    }

    /// Ids whose probe was added, removed or changed between `self` and `other` (a merge of the
    /// two id-sorted lists).
    public func changedIDs(comparedTo other: DesiredState) -> Set<String> {
        var changed = Set<String>()
        var i = probes.startIndex, j = other.probes.startIndex
        while i < probes.endIndex || j < other.probes.endIndex {
            if j == other.probes.endIndex || (i < probes.endIndex && probes[i].id < other.probes[j].id) {
                changed.insert(probes[i].id)
                i += 1
            } else if i == probes.endIndex || other.probes[j].id < probes[i].id {
                changed.insert(other.probes[j].id)
                j += 1
            } else {
                if probes[i] != other.probes[j] { changed.insert(probes[i].id) }
                i += 1
                j += 1
            }
        }
        return changed
    }

    /// The probe id of a policy: `policy/<namespace>/<name>` for git (namespace `default` when
    /// unset); `crd/<namespace>/<name>` for a ProbePolicy custom resource, so that a resource and a
    /// git file of the same name are two probes; a reaction's follow-up probe is `reaction/<id>`.
    public static func probeID(of policy: ProbePolicy, source: String = "git") -> String {
        switch source {
        case ReactionBook.source: return "reaction/\(policy.metadata.name)"
        case KubeSource.source: return "crd/\(policy.metadata.namespace ?? "default")/\(policy.metadata.name)"
        default: return "policy/\(policy.metadata.namespace ?? "default")/\(policy.metadata.name)"
        }
    }

    /// The key of a policy's problems in the status: the policy key for git and reactions, the
    /// probe id for custom resources (which may share a git policy's namespace and name).
    public static func problemKey(of policy: ProbePolicy, source: String) -> String {
        source == KubeSource.source ? probeID(of: policy, source: source) : policy.key
    }

    /// Resolves policies against the compiled templates: every policy that is not suspended, whose
    /// template has an object and whose parameters load, becomes a desired probe; the others are
    /// returned as problems (policy key → message).
    public static func resolve(policies: [SourcedPolicy], templates: [String: TemplateObject])
        -> (state: DesiredState, problems: [String: String]) {
        var probes: [DesiredProbe] = []
        var problems: [String: String] = [:]
        for sourced in policies {
            let policy = sourced.policy
            guard !policy.spec.suspend else { continue }
            guard let object = templates[policy.spec.template] else {
                problems[problemKey(of: policy, source: sourced.source)] = "template \"\(policy.spec.template)\" has no compiled object"
                continue
            }
            switch object.template.loadSettings(parameters: policy.spec.parameters) {
            case .failure(let failure):
                problems[problemKey(of: policy, source: sourced.source)] = "parameters of template \"\(policy.spec.template)\": \(failure.description)"
            case .success(let load):
                let assignment = ProbeAssignment(
                    id: probeID(of: policy, source: sourced.source), template: object.template.name, digest: object.digest,
                    programs: object.template.programs, load: load, parameters: policy.spec.parameters,
                    pods: policy.spec.selector.pods, metrics: object.template.metrics,
                    annotations: carriedAnnotations(of: policy))
                probes.append(DesiredProbe(nodes: policy.spec.selector.nodes, assignment: assignment, source: sourced.source))
            }
        }
        return (DesiredState(probes: probes), problems)
    }
}

extension DesiredState {
    /// The prefix of the policy annotations an assignment carries to the agents.
    public static let annotationPrefix = "aeolus.io/"

    /// A policy's `aeolus.io/` annotations (nil when it has none).
    static func carriedAnnotations(of policy: ProbePolicy) -> [String: String]? {
        let carried = policy.metadata.annotations.filter { $0.key.hasPrefix(annotationPrefix) }
        return carried.isEmpty ? nil : carried
    }
}

/// A policy and the source it came from.
public struct SourcedPolicy: Sendable, Hashable {
    /// The policy.
    public var policy: ProbePolicy
    /// `git`, `kubernetes`, ...
    public var source: String

    /// Creates a sourced policy.
    public init(policy: ProbePolicy, source: String) {
        self.policy = policy
        self.source = source
    }
}

/// A template as the planner needs it: the declaration and its object's digest and bytes.
public struct TemplateObject: Sendable, Hashable, Codable {
    /// The template as declared at the revision its object was built from.
    public var template: Template
    /// `sha256:<hex>` of `elf`.
    public var digest: String
    /// The object file.
    public var elf: [UInt8]
    /// The git revision the object was built from.
    public var revision: String

    /// Creates a template object.
    public init(template: Template, digest: String, elf: [UInt8], revision: String) {
        self.template = template
        self.digest = digest
        self.elf = elf
        self.revision = revision
    }

    private enum CodingKeys: String, CodingKey { case template, digest, elf, revision }

    /// Decodes `elf` as base64 (or, as written before, an array of bytes).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        template = try container.decode(Template.self, forKey: .template)
        digest = try container.decode(String.self, forKey: .digest)
        revision = try container.decode(String.self, forKey: .revision)
        if let data = try? container.decode(Data.self, forKey: .elf) {
            elf = [UInt8](data)
        } else {
            elf = try container.decode([UInt8].self, forKey: .elf)
        }
    }

    /// Encodes `elf` as base64: objects are large, and a number per byte is slow to write and read.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(template, forKey: .template)
        try container.encode(digest, forKey: .digest)
        try container.encode(Data(elf), forKey: .elf)
        try container.encode(revision, forKey: .revision)
    }
}
