import AeolusModel
import Foundation
import ReactionEngine

/// The dictator's memory of the closed loop: the trigger evaluator, the reaction planner, every
/// reaction not yet committed to the status branch, and the counters `/metrics` shows. Kept
/// inside `DictatorState` (one actor owns desired state, reports and reactions alike).
public struct ReactionBook: Sendable {
    /// The desired-state source name of follow-up probes.
    public static let source = "reactions"
    /// The label every node carries with its own name (node selectors of follow-up probes).
    public static let nodeLabel = "aeolus.io/node"

    var evaluator = TriggerEvaluator(edges: [])
    var planner = ReactionPlanner()
    var limits = Limits()
    /// Reactions by id: the active ones, and ended ones until they are written.
    var records: [String: Reaction] = [:]
    /// Ids whose current record is not on the status branch yet.
    var unwritten: Set<String> = []
    /// The most recent reactions (any outcome), newest first, for the status API and page.
    var recent: [Reaction] = []
    /// Samples received through remote write.
    public internal(set) var samplesReceived: UInt64 = 0
    /// Reactions by outcome.
    public internal(set) var reactions: [String: UInt64] = [:]

    /// Keeps `reaction` as the latest record of its id, to be written.
    mutating func record(_ reaction: Reaction) {
        records[reaction.id] = reaction
        unwritten.insert(reaction.id)
        recent.removeAll { $0.id == reaction.id }
        recent.insert(reaction, at: 0)
        if recent.count > 50 { recent.removeLast(recent.count - 50) }
    }

    /// The follow-up probe of an active reaction as a policy of the `reactions` source: its
    /// template, bound parameters, and a node selector naming exactly its target nodes.
    static func policy(for reaction: Reaction) -> ProbePolicy {
        let nodes = LabelSelector(matchExpressions: [LabelSelectorRequirement(key: nodeLabel, op: .in, values: reaction.nodes)])
        return ProbePolicy(metadata: ObjectMeta(name: reaction.id, namespace: source,
                                                annotations: [Reaction.annotation: reaction.annotationValue]),
                           spec: ProbePolicySpec(template: reaction.template, parameters: reaction.parameters,
                                                 selector: ProbeSelector(nodes: nodes)))
    }

    /// Samples of a remote-write request: one per sample, metric name apart from the labels.
    static func samples(of request: WriteRequestSeries) -> [EventSample] {
        request.flatMap { series in
            series.samples.map { EventSample(metric: series.metric, labels: series.labels, value: $0.value, time: $0.time) }
        }
    }
}

/// One series of a remote-write request, as the reaction book reads it.
public struct EventSeries: Sendable {
    /// `__name__`.
    public var metric: String
    /// The other labels.
    public var labels: [String: String]
    /// (value, seconds since the epoch).
    public var samples: [(value: Double, time: Double)]

    /// Creates a series.
    public init(metric: String, labels: [String: String], samples: [(value: Double, time: Double)]) {
        self.metric = metric
        self.labels = labels
        self.samples = samples
    }
}

/// The series of one request.
public typealias WriteRequestSeries = [EventSeries]
