/// The checks across the documents of a config repository: names that must exist, parameter
/// values that must fit their types, bindings that must read labels the trigger metric really has,
/// graph cycles, hooks and limits from `aeolus.yaml`. Every finding points at the field's line.
public struct RepositoryValidator: Sendable {
    /// Decoder names a label may use; nil accepts any name.
    public var knownDecoders: Set<String>?

    /// Creates a validator.
    public init(knownDecoders: Set<String>? = DecoderSpec.standardNames) {
        self.knownDecoders = knownDecoders
    }

    /// Every finding about `repo`.
    public func validate(_ repo: ConfigRepository) -> Diagnostics {
        var result = Diagnostics()
        for name in repo.templates.keys.sorted() {
            result.append(contentsOf: validate(template: repo.templates[name]!, in: repo))
        }
        for index in repo.graph.edges.indices {
            result.append(contentsOf: validate(edgeAt: index, in: repo))
        }
        result.append(contentsOf: cycles(in: repo))
        for policy in repo.policies {
            result.append(contentsOf: validate(policy: policy, in: repo))
        }
        return result
    }

    // MARK: Templates

    /// Checks a template against the repository settings: hooks allowed and supported, decoders
    /// known, fixed map sizes within limits.
    public func validate(template: Template, in repo: ConfigRepository) -> [Diagnostic] {
        let map = repo.sourceMap(.template(template.name))
        var found: [Diagnostic] = []
        for (i, program) in template.programs.enumerated() {
            let path = "spec.programs[\(i)].hook"
            if !program.hook.isSupported {
                found.append(map.diagnostic(path: path, "hook \(program.hook.rawValue) is not supported on this kernel (no kprobes); use a tracepoint or tp_btf"))
            } else if !repo.settings.allowedHooks.contains(program.hook) {
                found.append(map.diagnostic(path: path, "hook \(program.hook.rawValue) is not allowed by aeolus.yaml (allowedHooks: \(repo.settings.allowedHooks.map(\.rawValue).joined(separator: ", ")))"))
            }
        }
        if let knownDecoders {
            for (m, metric) in template.metrics.enumerated() {
                for (l, label) in metric.labels.enumerated() {
                    for (d, decoder) in label.decoders.enumerated() where !knownDecoders.contains(decoder.name) {
                        found.append(map.diagnostic(path: "spec.metrics[\(m)].labels[\(l)].decoders[\(d)]",
                                                    "unknown decoder \"\(decoder.name)\"" + Suggestion.hint(for: decoder.name, in: knownDecoders.sorted())))
                    }
                }
            }
        }
        for (i, override) in template.maps.enumerated() {
            if case let .fixed(n) = override.maxEntries, Int(n) > repo.settings.limits.maxMapEntries {
                found.append(map.diagnostic(path: "spec.maps[\(i)].maxEntries",
                                            "\(n) entries exceed the limit of \(repo.settings.limits.maxMapEntries) (aeolus.yaml limits.maxMapEntries)"))
            }
        }
        return found
    }

    /// Checks that every map a template's metrics and overrides name exists in its compiled object.
    public func validateMaps(of template: Template, objectMapNames: Set<String>, in repo: ConfigRepository? = nil) -> [Diagnostic] {
        let map = repo?.sourceMap(.template(template.name)) ?? ConfigRepository().sourceMap(.template(template.name))
        let available = objectMapNames.sorted()
        func missing(_ name: String, path: String, what: String) -> Diagnostic {
            map.diagnostic(path: path, "\(what) map \"\(name)\" is not in the compiled object (its maps: \(available.joined(separator: ", ")))"
                + Suggestion.hint(for: name, in: available))
        }
        var found: [Diagnostic] = []
        for (i, metric) in template.metrics.enumerated() where !objectMapNames.contains(metric.map) {
            found.append(missing(metric.map, path: "spec.metrics[\(i)].map", what: "metric \"\(metric.name)\" reads"))
        }
        for (i, override) in template.maps.enumerated() where !objectMapNames.contains(override.name) {
            found.append(missing(override.name, path: "spec.maps[\(i)].name", what: "the override names"))
        }
        return found
    }

    // MARK: Policies

    /// Checks a policy: its template exists and its parameters exist and fit their types.
    public func validate(policy: ProbePolicy, in repo: ConfigRepository) -> [Diagnostic] {
        let map = repo.sourceMap(.policy(policy.key))
        guard let template = repo.templates[policy.spec.template] else {
            return [map.diagnostic(path: "spec.template", unknownTemplate(policy.spec.template, in: repo))]
        }
        var found = parameterProblems(template.resolve(parameters: policy.spec.parameters).problems,
                                      at: "spec.parameters", map: map)
        if policy.spec.selector.pods != nil, !template.programs.contains(where: \.hook.attachesToInterfaces) {
            found.append(map.diagnostic(.warning, path: "spec.selector.pods",
                                        "template \"\(template.name)\" has no tc or XDP program, so the pod selector has no effect"))
        }
        return found
    }

    // MARK: Edges

    /// Checks one graph edge: both templates exist, the metric and labels exist in the trigger
    /// template, bindings name parameters of the follow-up and labels of the metric, literals fit.
    public func validate(edgeAt index: Int, in repo: ConfigRepository) -> [Diagnostic] {
        let edge = repo.graph.edges[index]
        let map = repo.sourceMap(.graph)
        let base = "spec.edges[\(index)]"
        var found: [Diagnostic] = []
        let from = repo.templates[edge.from]
        let deploy = repo.templates[edge.deploy]
        if from == nil { found.append(map.diagnostic(path: "\(base).from", unknownTemplate(edge.from, in: repo))) }
        if deploy == nil { found.append(map.diagnostic(path: "\(base).deploy", unknownTemplate(edge.deploy, in: repo))) }

        var eventLabels: Set<String>?
        if let from {
            if let metric = from.metric(edge.when.metric) {
                eventLabels = metric.eventLabels
                if case .rate = edge.when.measure, metric.type == .gauge {
                    found.append(map.diagnostic(.warning, path: "\(base).when.rate", "rate of gauge \"\(metric.name)\"; rate is meant for counters"))
                }
            } else {
                let names = from.metrics.map(\.name)
                found.append(map.diagnostic(path: "\(base).when.metric",
                                            "template \"\(from.name)\" has no metric \"\(edge.when.metric)\" (its metrics: \(names.joined(separator: ", ")))"
                                                + Suggestion.hint(for: edge.when.metric, in: names)))
            }
        }
        if let labels = eventLabels {
            for matcher in edge.when.labels where !labels.contains(matcher.name) {
                found.append(map.diagnostic(path: "\(base).when.labels.\(matcher.name)", noSuchLabel(matcher.name, edge: edge, labels: labels)))
            }
        }
        for parameter in edge.with.keys.sorted() {
            let binding = edge.with[parameter]!
            let path = "\(base).with.\(parameter)"
            if let labels = eventLabels {
                for label in binding.labelReferences where !labels.contains(label) {
                    found.append(map.diagnostic(path: path, noSuchLabel(label, edge: edge, labels: labels)))
                }
            }
            guard let deploy else { continue }
            guard let spec = deploy.parameter(parameter) else {
                let names = deploy.parameters.map(\.name)
                found.append(map.diagnostic(path: path, "template \"\(deploy.name)\" has no parameter \"\(parameter)\"" + Suggestion.hint(for: parameter, in: names)))
                continue
            }
            if let literal = binding.literalValue, case let .failure(problem) = spec.parse(literal) {
                found.append(map.diagnostic(path: path, problem.message))
            }
        }
        if let deploy {
            let missing = deploy.parameters.filter { $0.isRequired && edge.with[$0.name] == nil }.map(\.name)
            if !missing.isEmpty {
                found.append(map.diagnostic(path: "\(base).with",
                                            "required parameter\(missing.count > 1 ? "s" : "") \(missing.map { "\"\($0)\"" }.joined(separator: ", ")) of template \"\(deploy.name)\" not bound"))
            }
        }
        if edge.maxActive > repo.settings.limits.maxActiveReactions {
            found.append(map.diagnostic(.warning, path: "\(base).maxActive",
                                        "maxActive \(edge.maxActive) exceeds the repository limit of \(repo.settings.limits.maxActiveReactions) active reactions"))
        }
        return found
    }

    /// Reports each cycle of the graph that has at least one edge without `allowCycle`, with its path.
    public func cycles(in repo: ConfigRepository) -> [Diagnostic] {
        let map = repo.sourceMap(.graph)
        return disallowedCycles(repo.graph.edges).map { cycle in
            let names = [repo.graph.edges[cycle[0]].from] + cycle.map { repo.graph.edges[$0].deploy }
            return map.diagnostic(path: "spec.edges[\(cycle[0])]",
                                  "cycle \(names.joined(separator: " → ")); set allowCycle: true on every edge of the cycle to allow it")
        }
    }

    /// The edge indices of each distinct cycle with an edge lacking `allowCycle`, starting at that edge.
    func disallowedCycles(_ edges: [Edge]) -> [[Int]] {
        var reported = Set<[Int]>()
        var cycles: [[Int]] = []
        for (index, edge) in edges.enumerated() where !edge.allowCycle {
            guard let back = path(from: edge.deploy, to: edge.from, edges: edges) else { continue }
            let cycle = [index] + back
            if reported.insert(cycle.sorted()).inserted { cycles.append(cycle) }
        }
        return cycles
    }

    /// The edge indices of a shortest path from template `start` to `goal` (empty when they are equal).
    private func path(from start: String, to goal: String, edges: [Edge]) -> [Int]? {
        if start == goal { return [] }
        var previous: [String: Int] = [:]
        var queue = [start]
        var visited: Set<String> = [start]
        while !queue.isEmpty {
            let node = queue.removeFirst()
            for (i, e) in edges.enumerated() where e.from == node && !visited.contains(e.deploy) {
                visited.insert(e.deploy)
                previous[e.deploy] = i
                if e.deploy == goal {
                    var result: [Int] = []
                    var current = goal
                    while current != start, let i = previous[current] {
                        result.insert(i, at: 0)
                        current = edges[i].from
                    }
                    return result
                }
                queue.append(e.deploy)
            }
        }
        return nil
    }

    // MARK: Messages

    private func unknownTemplate(_ name: String, in repo: ConfigRepository) -> String {
        if repo.brokenTemplates.contains(name) {
            return "template \"\(name)\" has errors (see templates/\(name)/) and is skipped at this revision"
        }
        return "no template \"\(name)\" in templates/" + Suggestion.hint(for: name, in: repo.templates.keys.sorted())
    }

    private func noSuchLabel(_ label: String, edge: Edge, labels: Set<String>) -> String {
        let sorted = labels.sorted()
        return "metric \"\(edge.when.metric)\" of template \"\(edge.from)\" has no label \"\(label)\" (its labels: \(sorted.joined(separator: ", ")))"
            + Suggestion.hint(for: label, in: sorted)
    }

    private func parameterProblems(_ problems: [Template.ParameterProblem], at base: String, map: SourceMap) -> [Diagnostic] {
        problems.map { problem in
            map.diagnostic(path: problem.kind == .missing ? base : "\(base).\(problem.parameter)", problem.message)
        }
    }
}

extension ConfigRepository {
    /// The repository without the policies and edges that have validation errors, and every finding
    /// (errors and warnings). The dictator runs what remains.
    public func validated(by validator: RepositoryValidator = RepositoryValidator()) -> (repository: ConfigRepository, diagnostics: Diagnostics) {
        var result = self
        let diagnostics = validator.validate(self)
        var invalidTemplates = Set<String>()
        for name in templates.keys where validator.validate(template: templates[name]!, in: self).contains(where: { $0.severity == .error }) {
            invalidTemplates.insert(name)
            result.templates[name] = nil
        }
        result.policies = policies.filter { policy in
            !invalidTemplates.contains(policy.spec.template)
                && !validator.validate(policy: policy, in: self).contains { $0.severity == .error }
        }
        let cycleEdges = Set(validator.disallowedCycles(graph.edges).joined())
        var kept: [Int] = []
        for index in graph.edges.indices where !cycleEdges.contains(index) {
            let edge = graph.edges[index]
            guard !invalidTemplates.contains(edge.from), !invalidTemplates.contains(edge.deploy),
                  !validator.validate(edgeAt: index, in: self).contains(where: { $0.severity == .error }) else { continue }
            kept.append(index)
        }
        result.graph.edges = kept.map { graph.edges[$0] }
        if var map = result.sourceMaps[.graph] {
            map.renumber(list: "spec.edges", keeping: kept)
            result.sourceMaps[.graph] = map
        }
        return (result, diagnostics)
    }
}
