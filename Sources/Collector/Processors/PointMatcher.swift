/// Matches points by metric name and label values, with regular expressions matched against the
/// whole text (`aeolus_.*`).
public struct PointMatcher: @unchecked Sendable {
    // `@unchecked Sendable`: the compiled regexes are immutable and only used for matching.

    /// A pattern with its source text.
    struct Pattern {
        let text: String
        let regex: Regex<AnyRegexOutput>

        func matches(_ value: String) -> Bool { (try? regex.wholeMatch(in: value)) != nil }
    }

    private let names: [Pattern]
    private let labels: [(name: String, pattern: Pattern)]

    /// Compiles the patterns; throws on a malformed one.
    public init(metricNames: [String] = [], labels: [String: String] = [:]) throws {
        names = try metricNames.map { Pattern(text: $0, regex: try Regex($0)) }
        self.labels = try labels.sorted { $0.key < $1.key }.map { ($0.key, Pattern(text: $0.value, regex: try Regex($0.value))) }
    }

    /// Whether nothing was given (matches everything).
    public var isEmpty: Bool { names.isEmpty && labels.isEmpty }

    /// True when the name matches one of the name patterns (if any) and every label pattern
    /// matches its label's value (a missing label counts as the empty string).
    public func matches(_ point: MetricPoint) -> Bool {
        if !names.isEmpty && !names.contains(where: { $0.matches(point.family) || $0.matches(point.name) }) { return false }
        return labels.allSatisfy { $0.pattern.matches(point.label($0.name) ?? "") }
    }

    /// Reads `{metric_names: [...], labels: {name: regex}}` at `node`, reporting bad patterns.
    static func read(_ node: ConfigNode) -> PointMatcher? {
        guard let fields = node.fields(known: ["metric_names", "labels"]) else { return nil }
        var names: [String] = [], labels: [String: String] = [:]
        fields.read("metric_names", into: &names) { $0.strings() }
        fields.read("labels", into: &labels) { $0.stringMap() }
        do { return try PointMatcher(metricNames: names, labels: labels) } catch {
            node.report("invalid regular expression: \(error)")
            return nil
        }
    }
}
