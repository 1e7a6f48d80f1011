extension Trigger: CustomStringConvertible {
    /// The condition in PromQL-like words: `rate(m{dport="443"}[10s]) > 5 for 30s`.
    public var description: String {
        let selector = labels.isEmpty ? metric
            : "\(metric){\(labels.map { "\($0.name)\($0.op.rawValue)\"\($0.value)\"" }.joined(separator: ","))}"
        let measured: String
        switch measure {
        case .rate(let window): measured = "rate(\(selector)[\(window)])"
        case .value(let window?): measured = "avg_over_time(\(selector)[\(window)])"
        case .value(nil): measured = selector
        }
        var bounds: [String] = []
        if let above { bounds.append("\(measured) > \(Self.number(above))") }
        if let below { bounds.append("\(measured) < \(Self.number(below))") }
        return bounds.joined(separator: " and ") + (holdFor.map { " for \($0)" } ?? "")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension Placement: CustomStringConvertible {
    /// `event-node`, `all-nodes` or `nodes matching {...}`.
    public var description: String {
        switch self {
        case .eventNode: return "event-node"
        case .allNodes: return "all-nodes"
        case .selector(let nodes):
            let labels = nodes.matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let expressions = nodes.matchExpressions.map { "\($0.key) \($0.op.rawValue) \($0.values)" }
            return "nodes matching {\((labels + expressions).joined(separator: ", "))}"
        }
    }
}
