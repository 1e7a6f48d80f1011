/// A probe template: `templates/<name>/template.yaml` plus its C source. It compiles once per
/// source revision; parameters are set in `.rodata` at load time.
public struct Template: Sendable, Hashable, Codable {
    /// The template name (`metadata.name`, equal to its folder name).
    public var name: String
    /// What the template observes.
    public var description: String
    /// The source file name, relative to the template folder (`probe.bpf.c`).
    public var source: String
    /// The source text, when the loader found the file.
    public var sourceText: String?
    /// The programs to attach.
    public var programs: [TemplateProgram]
    /// The typed parameters.
    public var parameters: [ParameterSpec]
    /// How the collector reads the maps.
    public var metrics: [MetricSpec]
    /// Pre-load changes to maps.
    public var maps: [MapOverride]

    /// Creates a template.
    public init(name: String, description: String = "", source: String = "probe.bpf.c", sourceText: String? = nil,
                programs: [TemplateProgram] = [], parameters: [ParameterSpec] = [], metrics: [MetricSpec] = [],
                maps: [MapOverride] = []) {
        self.name = name
        self.description = description
        self.source = source
        self.sourceText = sourceText
        self.programs = programs
        self.parameters = parameters
        self.metrics = metrics
        self.maps = maps
    }

    /// The parameter called `name`.
    public func parameter(_ name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
    /// The metric called `name`.
    public func metric(_ name: String) -> MetricSpec? { metrics.first { $0.name == name } }

    /// One problem found by `resolve(parameters:)`.
    public struct ParameterProblem: Sendable, Hashable {
        /// What kind of problem.
        public enum Kind: Sendable, Hashable { case unknown, invalid, missing }
        /// The parameter concerned.
        public var parameter: String
        /// What kind of problem.
        public var kind: Kind
        /// A message naming the parameter and what was expected.
        public var message: String
    }

    /// Turns given parameter texts (from a policy or an edge's bindings) into typed values for every
    /// parameter, filling defaults; reports unknown names, invalid values and missing required ones.
    public func resolve(parameters given: [String: String]) -> (values: [String: ParameterValue], problems: [ParameterProblem]) {
        var values: [String: ParameterValue] = [:]
        var problems: [ParameterProblem] = []
        let names = parameters.map(\.name)
        for name in given.keys.sorted() where parameter(name) == nil {
            let hint = Suggestion.hint(for: name, in: names)
            problems.append(ParameterProblem(parameter: name, kind: .unknown,
                                             message: "template \"\(self.name)\" has no parameter \"\(name)\"\(hint)"))
        }
        for spec in parameters {
            if let text = given[spec.name] {
                switch spec.parse(text) {
                case let .success(value): values[spec.name] = value
                case let .failure(error):
                    problems.append(ParameterProblem(parameter: spec.name, kind: .invalid, message: error.message))
                }
            } else if let value = spec.defaultValue {
                values[spec.name] = value
            } else {
                problems.append(ParameterProblem(parameter: spec.name, kind: .missing,
                                                 message: "required parameter \"\(spec.name)\" (\(spec.type.rawValue)) of template \"\(name)\" has no value and no default"))
            }
        }
        return (values, problems)
    }
}
