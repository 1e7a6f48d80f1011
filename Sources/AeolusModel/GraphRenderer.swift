/// Draws the template graph for people: Graphviz `dot` or Mermaid, each edge labelled with its
/// condition, the bound parameters and its lifetime. Pure text; `aeolus graph` prints it and the
/// dictator's status page draws from the same description.
public enum GraphRenderer {
    /// The output languages.
    public enum Format: String, Sendable, CaseIterable {
        case dot, mermaid
    }

    /// The graph of `repository`: every template as a node (baseline templates — those a policy
    /// deploys — drawn apart from follow-up-only ones) and every edge with its condition.
    public static func render(_ repository: ConfigRepository, as format: Format) -> String {
        let baseline = Set(repository.policies.map(\.spec.template))
        let names = Set(repository.templates.keys).union(repository.graph.edges.flatMap { [$0.from, $0.deploy] }).sorted()
        switch format {
        case .dot: return dot(names: names, baseline: baseline, edges: repository.graph.edges)
        case .mermaid: return mermaid(names: names, baseline: baseline, edges: repository.graph.edges)
        }
    }

    /// The label of an edge: condition, bindings, placement and lifetime.
    public static func label(of edge: Edge) -> [String] {
        var lines = [edge.when.description]
        if !edge.with.isEmpty {
            lines.append(edge.with.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.text)" }.joined(separator: " "))
        }
        lines.append("on \(edge.on), ttl \(edge.ttl), cooldown \(edge.cooldown), max \(edge.maxActive)")
        return lines
    }

    private static func dot(names: [String], baseline: Set<String>, edges: [Edge]) -> String {
        func quote(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var out = "digraph aeolus {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
        for name in names {
            let style = baseline.contains(name) ? ", style=\"rounded,bold\"" : ""
            out += "  \(quote(name)) [label=\(quote(name))\(style)];\n"
        }
        for edge in edges {
            let label = label(of: edge).map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
                .joined(separator: "\\n")
            out += "  \(quote(edge.from)) -> \(quote(edge.deploy)) [label=\"\(edge.name)\\n\(label)\", fontsize=10];\n"
        }
        return out + "}\n"
    }

    private static func mermaid(names: [String], baseline: Set<String>, edges: [Edge]) -> String {
        var ids: [String: String] = [:]
        for (index, name) in names.enumerated() { ids[name] = "t\(index)" }
        func text(_ value: String) -> String {
            value.replacingOccurrences(of: "\"", with: "#quot;").replacingOccurrences(of: "{", with: "#123;")
                .replacingOccurrences(of: "}", with: "#125;").replacingOccurrences(of: "|", with: "#124;")
        }
        var out = "flowchart LR\n"
        for name in names {
            out += baseline.contains(name) ? "  \(ids[name]!)[[\"\(text(name))\"]]\n" : "  \(ids[name]!)[\"\(text(name))\"]\n"
        }
        for edge in edges {
            let label = ([edge.name] + label(of: edge)).map(text).joined(separator: "<br/>")
            out += "  \(ids[edge.from]!) -->|\"\(label)\"| \(ids[edge.deploy]!)\n"
        }
        return out
    }
}
