import Foundation
import Yams

extension TemplateGraph {
    /// Decodes `graph.yaml` (kind TemplateGraph). An edge with errors is dropped and reported; the
    /// other edges are kept, and the source map is renumbered to match the kept edges.
    public static func decode(yaml data: Data, file: String, defaults: EdgeDefaults = EdgeDefaults()) -> Decoded<TemplateGraph> {
        let (decoder, document) = NodeDecoder.singleDocument(data, file: file, kind: "TemplateGraph")
        guard let document else { return decoder.result(nil) }
        let root = decoder.root(document)
        guard let fields = decoder.mapping(root, known: ["apiVersion", "kind", "spec"]) else { return decoder.result(nil) }
        decoder.header(fields, kind: "TemplateGraph")
        let headerOK = !decoder.diagnostics.hasErrors
        var kept: [(index: Int, edge: Edge)] = []
        if let specField = fields.required("spec"), let spec = decoder.mapping(specField, known: ["edges"]),
           let edgesField = spec.required("edges"), let list = decoder.sequence(edgesField) {
            for (index, element) in list.enumerated() {
                let before = decoder.diagnostics.errors.count
                if let edge = decoder.edge(element, defaults: defaults), decoder.diagnostics.errors.count == before {
                    kept.append((index, edge))
                }
            }
        }
        guard headerOK else { return decoder.result(nil) }
        var sourceMap = decoder.sourceMap
        sourceMap.renumber(list: "spec.edges", keeping: kept.map(\.index))
        return Decoded(value: TemplateGraph(edges: kept.map(\.edge)), diagnostics: decoder.diagnostics, sourceMap: sourceMap)
    }
}

extension SourceMap {
    /// Keeps only the elements `keeping` (old indices, ascending) of the list at `list`, renumbered 0, 1, 2...
    public mutating func renumber(list: String, keeping: [Int]) {
        let newIndex = Dictionary(uniqueKeysWithValues: keeping.enumerated().map { ($1, $0) })
        var result: [String: Position] = [:]
        for (path, position) in positions {
            guard path.hasPrefix(list + "["), let close = path.firstIndex(of: "]"),
                  let old = Int(path[path.index(path.startIndex, offsetBy: list.count + 1)..<close]) else {
                result[path] = position
                continue
            }
            guard let new = newIndex[old] else { continue }
            result["\(list)[\(new)]" + path[path.index(after: close)...]] = position
        }
        positions = result
    }
}

extension NodeDecoder {
    func edge(_ field: YAMLField, defaults: EdgeDefaults) -> Edge? {
        guard let fields = mapping(field, known: ["name", "from", "when", "deploy", "with", "on", "ttl", "cooldown", "maxActive",
                                                  "allowCycle", "clearOnResolve"]) else { return nil }
        let from = fields.required("from").flatMap(nonEmptyString)
        let deploy = fields.required("deploy").flatMap(nonEmptyString)
        let when = fields.required("when").flatMap(trigger)
        var bindings: [String: Binding] = [:]
        if let f = fields["with"], let entries = mapping(f, known: nil) {
            for (parameter, value) in entries.entries {
                guard let text = value.isNull ? nil : string(value) else {
                    if value.isNull { error(value, "a binding needs a value") }
                    continue
                }
                do { bindings[parameter] = try Binding(text) } catch { self.error(value, error.message) }
            }
        }
        let placement = fields["on"].flatMap(placement) ?? .eventNode
        guard let from, let deploy, let when else { return nil }
        var edge = Edge(from: from, when: when, deploy: deploy, with: bindings, on: placement,
                        ttl: defaults.ttl, cooldown: defaults.cooldown, maxActive: defaults.maxActive)
        if let f = fields["name"], let name = nonEmptyString(f) { edge.name = name }
        if let f = fields["ttl"], let ttl = timeSpan(f) {
            if ttl.nanoseconds == 0 { error(f, "ttl must be longer than 0s") } else { edge.ttl = ttl }
        }
        if let f = fields["cooldown"], let cooldown = timeSpan(f) { edge.cooldown = cooldown }
        if let f = fields["maxActive"], let n = integer(f, Int.self, minimum: 1) { edge.maxActive = n }
        if let f = fields["allowCycle"], let b = bool(f) { edge.allowCycle = b }
        if let f = fields["clearOnResolve"], let b = bool(f) { edge.clearOnResolve = b }
        return edge
    }

    func trigger(_ field: YAMLField) -> Trigger? {
        guard let fields = mapping(field, known: ["metric", "labels", "value", "rate", "above", "below", "for"]) else { return nil }
        guard let metric = fields.required("metric").flatMap(nonEmptyString) else { return nil }
        var trigger = Trigger(metric: metric)
        if let f = fields["labels"], let entries = mapping(f, known: nil) {
            for (name, value) in entries.entries {
                guard let text = value.isNull ? "" : string(value) else { continue }
                let matcher = LabelMatcher(name: name, expression: text)
                if let problem = matcher.regexError { error(value, "invalid regular expression \"\(matcher.value)\": \(problem)") }
                trigger.labels.append(matcher)
            }
        }
        switch (fields.has("rate"), fields.has("value")) {
        case (true, true):
            error(fields["value"] ?? field, "give either \"rate\" or \"value\", not both")
        case (true, false):
            if let f = fields.required("rate"), let window = timeSpan(f) {
                if window.nanoseconds == 0 { error(f, "the rate window must be longer than 0s") }
                trigger.measure = .rate(window: window)
            }
        case (false, true):
            trigger.measure = .value(window: fields["value"].flatMap(timeSpan))
        case (false, false):
            break
        }
        trigger.above = fields["above"].flatMap(number)
        trigger.below = fields["below"].flatMap(number)
        if !fields.has("above"), !fields.has("below") {
            error(at: field.node, path: field.childPath("above"), "a trigger needs a threshold: \"above\" or \"below\"")
        }
        if let problem = Threshold.problem(above: trigger.above, below: trigger.below) {
            error(fields["below"]!, problem)
        }
        trigger.holdFor = fields["for"].flatMap(timeSpan)
        return trigger
    }

    /// `event-node`, `all-nodes`, or `{selector: {matchLabels, matchExpressions}}`.
    func placement(_ field: YAMLField) -> Placement? {
        if case .scalar = field.node {
            guard let text = string(field) else { return nil }
            switch text {
            case "event-node": return .eventNode
            case "all-nodes": return .allNodes
            default:
                let names = ["event-node", "all-nodes"]
                error(field, "unknown placement \"\(text)\" (expected event-node, all-nodes or {selector: {...}})"
                    + Suggestion.hint(for: text, in: names))
                return nil
            }
        }
        guard let fields = mapping(field, known: ["selector"]),
              let selector = fields.required("selector").flatMap(labelSelector) else { return nil }
        return .selector(nodes: selector)
    }
}
