import AeolusModel
import Foundation
import ReactionEngine

/// The dictator's memory of the closed loop: the trigger evaluator, the reaction planner, every
/// reaction not yet committed to the status branch, and the counters `/metrics` shows. Kept
/// inside `DictatorState` (one actor owns desired state, reports and reactions alike).
///
/// Bounded: the evaluator's series and the planner's cooldowns are LRUs with expiry
/// (`DictatorBounds`), and ended reactions wait for the status writer in a bounded queue (when
/// writes keep failing, the oldest ended record gives way and is counted).
public struct ReactionBook: Sendable {
    /// The desired-state source name of follow-up probes.
    public static let source = "reactions"
    /// The label every node carries with its own name (node selectors of follow-up probes).
    public static let nodeLabel = "aeolus.io/node"

    var evaluator: TriggerEvaluator
    var planner: ReactionPlanner
    var limits = Limits()
    /// Reactions by id: the active ones, and ended ones until they are written.
    var records: [String: Reaction] = [:]
    /// Ended reactions not written yet, oldest first (bounded).
    var endedUnwritten: BoundedMap<String, Void>
    /// Ended reactions forgotten before they were written (the bound was reached).
    public internal(set) var droppedRecords: UInt64 = 0
    /// Non-finite samples refused by the event receiver, by reason (`stale_marker`, `nan`, `infinite`).
    public internal(set) var refusedSamples: [String: UInt64] = [:]
    /// The longest cooldown of the current edges: how long a deploy time must be remembered
    /// (infinite until the first revision is applied, so restored cooldowns are kept).
    var cooldownHorizon = Double.infinity

    /// A book with the given bounds.
    init(bounds: DictatorBounds = DictatorBounds()) {
        evaluator = TriggerEvaluator(edges: [], maxSeries: bounds.maxEventSeries, staleAfter: seconds(bounds.eventSeriesIdle))
        planner = ReactionPlanner(maxCooldowns: bounds.maxCooldowns)
        endedUnwritten = BoundedMap(capacity: bounds.maxUnwrittenReactions)
    }
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
        if reaction.outcome != .active, let evicted = endedUnwritten.updateValue((), forKey: reaction.id) {
            records[evicted.key] = nil
            unwritten.remove(evicted.key)
            droppedRecords += 1
        }
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

    /// Marks a reaction as written: an ended one is forgotten.
    mutating func written(_ reaction: Reaction) {
        unwritten.remove(reaction.id)
        if reaction.outcome != .active {
            records[reaction.id] = nil
            endedUnwritten.removeValue(forKey: reaction.id)
        }
    }

    /// Forgets what idle time makes useless: series without samples for the idle time, and
    /// deploy times older than every edge's cooldown.
    mutating func expire(now: Date) {
        evaluator.expire(now: now.timeIntervalSince1970)
        planner.expireCooldowns(now: now, olderThan: cooldownHorizon)
    }

    /// Samples of a remote-write request: one per finite sample, metric name apart from the
    /// labels. NaN (Prometheus' staleness markers among them) and ±Inf are no event values: a
    /// reaction's trigger value must be a number that status files and the status API can carry.
    /// They are counted by reason and skipped.
    mutating func samples(of request: WriteRequestSeries) -> [EventSample] {
        var samples: [EventSample] = []
        samples.reserveCapacity(request.reduce(0) { $0 + $1.samples.count })
        for series in request {
            for sample in series.samples {
                guard sample.value.isFinite else {
                    refusedSamples[Self.refusal(sample.value), default: 0] += 1
                    continue
                }
                samples.append(EventSample(metric: series.metric, labels: series.labels, value: sample.value, time: sample.time))
            }
        }
        return samples
    }

    /// Prometheus' staleness marker: a NaN with this bit pattern.
    static let staleMarkerBits: UInt64 = 0x7ff0_0000_0000_0002

    /// Why a non-finite value is refused.
    static func refusal(_ value: Double) -> String {
        value.bitPattern == staleMarkerBits ? "stale_marker" : value.isNaN ? "nan" : "infinite"
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
