import Foundation

/// One reaction of the dictator: an edge fired for a series, and a follow-up probe was (or was
/// not) deployed. The same value is the desired-state source for the follow-up probe while it is
/// active and, as YAML under `status/reactions/<date>/<id>.yaml`, the record of what happened.
public struct Reaction: Sendable, Hashable, Codable {
    /// How a reaction ended, or that it has not.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        /// The follow-up probe is deployed and its TTL has not run out.
        case active
        /// The TTL ran out; the probe was removed.
        case expired
        /// The trigger cleared (edges with `clearOnResolve`); the probe was removed.
        case cleared
        /// The probe could not run on any target node.
        case failed
        /// Nothing was deployed: bad parameters, no target, or a limit (see `reason`).
        case refused
    }

    /// What fired.
    public struct Trigger: Sendable, Hashable, Codable {
        /// The metric.
        public var metric: String
        /// The series' labels (without `__name__`).
        public var labels: [String: String]
        /// The measured value (the value or the rate) that crossed the threshold.
        public var value: Double
        /// The condition, as written in words.
        public var condition: String
        /// When the condition was met.
        public var time: Date

        /// Creates a trigger record.
        public init(metric: String, labels: [String: String], value: Double, condition: String, time: Date) {
            self.metric = metric
            self.labels = labels
            self.value = value
            self.condition = condition
            self.time = time
        }
    }

    /// The follow-up probe on one node.
    public struct Probe: Sendable, Hashable, Codable {
        /// The node.
        public var node: String
        /// `live`, `failed`, `pending` (from the agent's report).
        public var state: String
        /// Why it failed, if it did.
        public var reason: String?
        /// When the node's agent received the assignment with the probe.
        public var received: Date?
        /// When the agent had loaded and attached it.
        public var attached: Date?

        /// Creates a probe record.
        public init(node: String, state: String, reason: String? = nil, received: Date? = nil, attached: Date? = nil) {
            self.node = node
            self.state = state
            self.reason = reason
            self.received = received
            self.attached = attached
        }
    }

    /// Unique id: `<yyyyMMdd-HHmmss>-<hash of edge, parameters and nodes>`.
    public var id: String
    /// The edge's name.
    public var edge: String
    /// The trigger template.
    public var from: String
    /// The follow-up template.
    public var template: String
    /// What fired.
    public var trigger: Trigger
    /// The follow-up's parameters, bound from the event's labels.
    public var parameters: [String: String]
    /// The target nodes.
    public var nodes: [String]
    /// When the follow-up was deployed (or refused).
    public var started: Date
    /// When the follow-up's TTL runs out.
    public var expires: Date
    /// When it ended, if it has.
    public var ended: Date?
    /// The outcome so far.
    public var outcome: Outcome
    /// Why it was refused or failed.
    public var reason: String?
    /// The follow-up probe per node, as agents report it.
    public var probes: [Probe]
    /// When the dictator received the remote write that fired the edge. With `trigger.time`
    /// (when the collector read the sample), `started` (when the edge fired), `planned` and each
    /// probe's `received` and `attached`, the reaction's timeline, stage by stage.
    public var received: Date?
    /// When the follow-up probe was in its nodes' assignments, handed to their watches.
    public var planned: Date?

    /// Creates a reaction.
    public init(id: String, edge: String, from: String, template: String, trigger: Trigger, parameters: [String: String],
                nodes: [String], started: Date, expires: Date, ended: Date? = nil, outcome: Outcome,
                reason: String? = nil, probes: [Probe] = []) {
        self.id = id
        self.edge = edge
        self.from = from
        self.template = template
        self.trigger = trigger
        self.parameters = parameters
        self.nodes = nodes
        self.started = started
        self.expires = expires
        self.ended = ended
        self.outcome = outcome
        self.reason = reason
        self.probes = probes
    }

    /// The id of the follow-up probe in agents' assignments.
    public var probeID: String { "reaction/\(id)" }

    /// Where the reaction's status file lives on the status branch.
    public var statusPath: String {
        let day = String(id.prefix(8))
        return "status/reactions/\(day.prefix(4))-\(day.dropFirst(4).prefix(2))-\(day.suffix(2))/\(id).yaml"
    }

    /// The annotation a follow-up probe's assignment carries: the reaction itself (JSON, without
    /// the per-node probe states), so that agents hold a copy and a restarted dictator can take
    /// back a reaction it had not yet committed to the status branch.
    public static let annotation = "aeolus.io/reaction"

    /// The value of `annotation` for this reaction.
    public var annotationValue: String {
        var copy = self
        copy.probes = []
        copy.planned = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.nonConformingFloatEncodingStrategy = WireFloat.encoding
        return (try? encoder.encode(copy)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The reaction an `annotation` value carries; nil when it is not one.
    public init?(annotation: String) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        decoder.nonConformingFloatDecodingStrategy = WireFloat.decoding
        guard let reaction = try? decoder.decode(Reaction.self, from: Data(annotation.utf8)) else { return nil }
        self = reaction
    }

    /// The identity used to deduplicate: the same edge binding the same parameters on the same nodes.
    public var dedupeKey: String {
        ([edge] + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + nodes.sorted()).joined(separator: "\u{1F}")
    }
}
