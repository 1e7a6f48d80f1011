/// The drill-down graph (`graph.yaml`): edges from a trigger template to a follow-up template the
/// dictator deploys when the trigger's metric crosses a threshold.
public struct TemplateGraph: Sendable, Hashable, Codable {
    /// The edges, in file order.
    public var edges: [Edge]

    /// Creates a graph.
    public init(edges: [Edge] = []) { self.edges = edges }

    /// The edges whose trigger reads `metric` of template `from`.
    public func edges(from template: String, metric: String) -> [Edge] {
        edges.filter { $0.from == template && $0.when.metric == metric }
    }
}

/// One reaction rule: when `when` holds for a metric of `from`, deploy `deploy` with parameters
/// bound from the event's labels, on the nodes `on` names, for `ttl`.
public struct Edge: Sendable, Hashable, Codable {
    /// A name for status files and metrics; `<from>-to-<deploy>` unless the graph gives one.
    public var name: String
    /// The trigger template.
    public var from: String
    /// The condition on one of the trigger template's metrics.
    public var when: Trigger
    /// The follow-up template.
    public var deploy: String
    /// Follow-up parameter → binding (a literal or `{labels.x}` text).
    public var with: [String: Binding]
    /// Where the follow-up probe goes.
    public var on: Placement
    /// How long the follow-up probe lives.
    public var ttl: TimeSpan
    /// Minimum time between two reactions of this edge for the same bindings.
    public var cooldown: TimeSpan
    /// Maximum follow-up probes of this edge alive at once.
    public var maxActive: Int
    /// Whether this edge may be part of a cycle in the graph.
    public var allowCycle: Bool
    /// Whether the follow-up probe is removed as soon as the condition stops holding (before its ttl).
    public var clearOnResolve: Bool

    /// Creates an edge.
    public init(from: String, when: Trigger, deploy: String, with: [String: Binding] = [:], on: Placement = .eventNode,
                ttl: TimeSpan = EdgeDefaults().ttl, cooldown: TimeSpan = EdgeDefaults().cooldown,
                maxActive: Int = EdgeDefaults().maxActive, allowCycle: Bool = false, clearOnResolve: Bool = false) {
        self.name = "\(from)-to-\(deploy)"
        self.from = from
        self.when = when
        self.deploy = deploy
        self.with = with
        self.on = on
        self.ttl = ttl
        self.cooldown = cooldown
        self.maxActive = maxActive
        self.allowCycle = allowCycle
        self.clearOnResolve = clearOnResolve
    }
}

/// Values an edge gets for `ttl`, `cooldown` and `maxActive` when it sets none (from `aeolus.yaml`).
public struct EdgeDefaults: Sendable, Hashable, Codable {
    /// Default probe lifetime.
    public var ttl: TimeSpan
    /// Default cooldown.
    public var cooldown: TimeSpan
    /// Default maximum of live follow-ups per edge.
    public var maxActive: Int

    /// Creates defaults (10m, 1m, 10 unless given).
    public init(ttl: TimeSpan = .minutes(10), cooldown: TimeSpan = .minutes(1), maxActive: Int = 10) {
        self.ttl = ttl
        self.cooldown = cooldown
        self.maxActive = maxActive
    }
}

/// The condition of an edge: a metric of the trigger template, label matchers, what to measure,
/// a threshold and how long it must hold.
public struct Trigger: Sendable, Hashable, Codable {
    /// What is compared with the threshold.
    public enum Measure: Sendable, Hashable, Codable {
        /// The sample's value (the latest one; with a window, the mean over the window).
        case value(window: TimeSpan?)
        /// The per-second increase over the window (for counters).
        case rate(window: TimeSpan)
    }

    /// The metric name (one of the `from` template's metrics).
    public var metric: String
    /// Conditions on the event's labels, all of which must hold.
    public var labels: [LabelMatcher]
    /// Value or rate.
    public var measure: Measure
    /// Fires when the measure is above this (and below `below`, when both are given: see `Threshold`).
    public var above: Double?
    /// Fires when the measure is below this (and above `above`, when both are given: see `Threshold`).
    public var below: Double?
    /// How long the condition must hold before firing (`for`); nil fires at once.
    public var holdFor: TimeSpan?

    /// Creates a trigger.
    public init(metric: String, labels: [LabelMatcher] = [], measure: Measure = .value(window: nil),
                above: Double? = nil, below: Double? = nil, holdFor: TimeSpan? = nil) {
        self.metric = metric
        self.labels = labels
        self.measure = measure
        self.above = above
        self.below = below
        self.holdFor = holdFor
    }

    /// Whether `value` crosses the threshold(s); with both bounds it must be inside the band (`Threshold`).
    public func crosses(_ value: Double) -> Bool {
        Threshold.holds(value, above: above, below: below)
    }

    /// Whether an event's labels satisfy every matcher.
    public func matches(labels eventLabels: [String: String]) -> Bool {
        labels.allSatisfy { $0.matches(eventLabels) }
    }
}

/// A Prometheus-style label matcher: `=`, `!=`, `=~`, `!~` (regexes are fully anchored).
/// In YAML: `labels: {dport: "443", daddr: "!=10.0.0.1", comm: "=~curl|wget"}`.
public struct LabelMatcher: Sendable, Hashable, Codable {
    /// The comparison.
    public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
        case equal = "=", notEqual = "!=", matches = "=~", notMatches = "!~"
    }

    /// The label name.
    public var name: String
    /// The comparison.
    public var op: Operator
    /// The value or regex.
    public var value: String

    /// Creates a matcher.
    public init(name: String, op: Operator, value: String) {
        self.name = name
        self.op = op
        self.value = value
    }

    /// Parses `443`, `=443`, `!=443`, `=~re`, `!~re` into a matcher on `name`.
    public init(name: String, expression: String) {
        self.name = name
        for op in [Operator.matches, .notMatches, .notEqual, .equal] where expression.hasPrefix(op.rawValue) {
            self.op = op
            self.value = String(expression.dropFirst(op.rawValue.count))
            return
        }
        self.op = .equal
        self.value = expression
    }

    /// Whether the regex of a `=~`/`!~` matcher compiles (nil when it does, else the error text).
    public var regexError: String? {
        guard op == .matches || op == .notMatches else { return nil }
        do { _ = try Regex(value); return nil } catch { return "\(error)" }
    }

    /// Whether `labels` satisfy the matcher; an absent label counts as the empty string, as in Prometheus.
    public func matches(_ labels: [String: String]) -> Bool {
        matches(labels, regex: (op == .matches || op == .notMatches) ? try? Regex(value) : nil)
    }

    /// `matches(_:)` with the matcher's regex compiled by the caller once (hot paths).
    public func matches(_ labels: [String: String], regex: Regex<AnyRegexOutput>?) -> Bool {
        let actual = labels[name] ?? ""
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .matches, .notMatches:
            let hit = regex.map { actual.wholeMatch(of: $0) != nil } ?? false
            return op == .matches ? hit : !hit
        }
    }
}

/// Where an edge deploys its follow-up probe.
public enum Placement: Sendable, Hashable, Codable {
    /// The node the event came from (its `node` label).
    case eventNode
    /// Every node.
    case allNodes
    /// The nodes a label selector picks.
    case selector(nodes: LabelSelector)
}
