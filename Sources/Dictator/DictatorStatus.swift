import AeolusModel
import Foundation
import Synchronization

/// The dictator's status: what `GET /api/v1/status` returns and what the status branch holds
/// (`status/summary.yaml`, `status/nodes/<node>.yaml`, `status/errors/<template>.yaml`).
///
/// Level-based and free of timestamps and revision counters, so the same desired and actual
/// state always renders the same files (and a restart writes no commit).
public struct DictatorStatus: Sendable, Hashable, Codable {
    /// `status/summary.yaml`.
    public var summary: Summary
    /// One per registered node, sorted by name.
    public var nodes: [NodeStatus]
    /// One per template with errors (plus `_repository`), sorted by name.
    public var errors: [TemplateErrors]
    /// The most recent reactions, newest first (their files are written apart, one per reaction).
    public var reactions: [Reaction] = []
    /// The graph's active edges (for the status page's picture).
    public var edges: [Edge] = []

    /// Creates a status.
    public init(summary: Summary, nodes: [NodeStatus], errors: [TemplateErrors]) {
        self.summary = summary
        self.nodes = nodes
        self.errors = errors
    }

    /// The summary of a reconciled revision.
    public struct Summary: Sendable, Hashable, Codable {
        /// The git revision reconciled (nil before the first).
        public var revision: String?
        /// Its commit subject.
        public var message: String?
        /// The watched branch.
        public var branch: String
        /// Templates by condition (live, stale, off).
        public var templates: [String: Int]
        /// Registered and lost nodes.
        public var nodes: Counts
        /// Probes assigned, and by reported state (live, failed, pending, unreported).
        public var probes: [String: Int]
        /// Policies that could not be resolved: key → why.
        public var policyProblems: [String: String]
        /// Who signed `revision` (key fingerprint and principals), when signatures are verified.
        public var signedBy: String? = nil
        /// The newest revision of the branch that is not applied, and why (`revision` stays live).
        public var refused: RevisionRefusal? = nil

        /// Node counts.
        public struct Counts: Sendable, Hashable, Codable {
            /// Registered nodes.
            public var total: Int
            /// Nodes that stopped reporting.
            public var lost: Int
        }
    }

    /// One node: who it is, whether it reports, and each probe assigned with its reported state.
    public struct NodeStatus: Sendable, Hashable, Codable {
        /// The node's name.
        public var node: String
        /// Labels it registered with.
        public var labels: [String: String]
        /// `uname -r`.
        public var kernelVersion: String
        /// Whether it stopped reporting.
        public var lost: Bool
        /// The probes assigned to it, sorted by id.
        public var probes: [ProbeStatus]
    }

    /// One assigned probe and what the agent reported of it.
    public struct ProbeStatus: Sendable, Hashable, Codable {
        /// The probe id.
        public var id: String
        /// The template.
        public var template: String
        /// The object's digest.
        public var digest: String
        /// live, failed, pending (as reported; pending until the agent reports the same digest),
        /// or unreported.
        public var state: String
        /// Why it is not live.
        public var reason: String?
        /// The verifier's log excerpt.
        public var verifierLog: String?
    }

    /// Names of the lost nodes.
    public var lostNodes: [String] { nodes.filter(\.lost).map(\.node) }

    /// The status-branch files (path → YAML text). With `cache`, a node whose status did not
    /// change since the last call reuses its text (10,000 nodes are not rendered every interval).
    public func files(cache: NodeFileCache? = nil) throws -> [String: String] {
        var files: [String: String] = [StatusPaths.summary: try StatusYAML.encode(summary)]
        for node in nodes { files[StatusPaths.node(node.node)] = try cache?.text(of: node) ?? StatusYAML.encode(node) }
        cache?.keep(only: nodes)
        for error in errors { files[StatusPaths.errors(error.template)] = try StatusYAML.encode(error) }
        return files
    }
}

/// Each node's status file as last rendered, by node.
public final class NodeFileCache: Sendable {
    private let rendered = Mutex<[String: (status: DictatorStatus.NodeStatus, text: String)]>([:])

    /// An empty cache.
    public init() {}

    /// The YAML of `node`: the cached text when its status is unchanged, else rendered now.
    func text(of node: DictatorStatus.NodeStatus) throws -> String {
        if let cached = rendered.withLock({ $0[node.node] }), cached.status == node { return cached.text }
        let text = try StatusYAML.encode(node)
        rendered.withLock { $0[node.node] = (node, text) }
        return text
    }

    /// Forgets nodes that are gone.
    func keep(only nodes: [DictatorStatus.NodeStatus]) {
        rendered.withLock { rendered in
            guard rendered.count > nodes.count else { return }
            let names = Set(nodes.map(\.node))
            rendered = rendered.filter { names.contains($0.key) }
        }
    }
}

/// Where status files live on the status branch.
public enum StatusPaths {
    /// Everything the status writer owns.
    public static let root = "status/"
    /// The summary.
    public static let summary = "status/summary.yaml"
    /// The nodes' files.
    public static let nodes = "status/nodes/"
    /// One node's file.
    public static func node(_ name: String) -> String { nodes + "\(safe(name)).yaml" }
    /// Reaction records (`status/reactions/<date>/<id>.yaml`).
    public static let reactions = "status/reactions/"
    /// One template's errors.
    public static func errors(_ template: String) -> String { "status/errors/\(safe(template)).yaml" }

    /// A name usable as one path component.
    static func safe(_ name: String) -> String {
        let cleaned = String(name.map { $0 == "/" || $0 == "\0" ? "_" : $0 })
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "_" + cleaned : cleaned
    }
}
