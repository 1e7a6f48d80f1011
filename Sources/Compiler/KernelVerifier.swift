import AeolusModel
import BPFKit

/// `aeolus check --load`: loads each compiled object into the running kernel with every
/// parameter set the repository uses, so the kernel's own verifier judges exactly what would be
/// deployed. Needs root (the BPF syscall). Nothing stays loaded.
public struct KernelVerifier: Sendable {
    /// A named parameter set of a template and where it comes from.
    public struct ParameterSet: Sendable, Hashable {
        /// What uses it: `defaults`, `policy aeolus-system/web`, `edge a-to-b`.
        public var origin: String
        /// Where to point a diagnostic.
        public var location: SourceLocation
        /// Parameter texts, as a policy or an edge gives them.
        public var parameters: [String: String]
    }

    /// A verifier.
    public init() {}

    /// The parameter sets the repository uses for `template`: its defaults (when every parameter
    /// has one), each policy's, and each edge's literal bindings (bindings from event labels are
    /// only known at run time; the defaults stand in for them).
    public func parameterSets(for template: Template, in repository: ConfigRepository) -> [ParameterSet] {
        let templateFile = repository.sourceMap(.template(template.name))
        var sets: [ParameterSet] = []
        if template.parameters.allSatisfy({ !$0.isRequired }) {
            sets.append(ParameterSet(origin: "defaults", location: templateFile.location(of: "spec.parameters"), parameters: [:]))
        }
        for policy in repository.policies where policy.spec.template == template.name {
            sets.append(ParameterSet(origin: "policy \(policy.key)",
                                     location: repository.sourceMap(.policy(policy.key)).location(of: "spec.parameters"),
                                     parameters: policy.spec.parameters))
        }
        for (index, edge) in repository.graph.edges.enumerated() where edge.deploy == template.name {
            let literals = edge.with.compactMapValues(\.literalValue)
            guard !literals.isEmpty else { continue }
            sets.append(ParameterSet(origin: "edge \(edge.name)",
                                     location: repository.sourceMap(.graph).location(of: "spec.edges[\(index)].with"),
                                     parameters: literals))
        }
        var seen = Set<[String: String]>()
        return sets.filter { seen.insert($0.parameters).inserted }
    }

    /// Loads `compiled` once per parameter set and reports every rejection with the kernel's
    /// verifier log. Ensures bpffs and tracefs are mounted first (a fresh machine has neither).
    public func verify(_ compiled: CompiledTemplate, parameterSets: [ParameterSet]) -> [Diagnostic] {
        var found: [Diagnostic] = []
        for set in parameterSets {
            let settings: LoadSettings
            switch compiled.template.loadSettings(parameters: set.parameters) {
            case .success(let value): settings = value
            case .failure(let problems):
                found.append(Diagnostic(at: set.location, path: set.origin, problems.description))
                continue
            }
            do {
                let object = try LoadedObject.load(compiled.object.spec, rodata: settings.rodata,
                                                   maxEntries: settings.maxEntries)
                object.close()
            } catch let BPFError.verifierRejected(program, log) {
                found.append(Diagnostic(at: set.location, path: set.origin,
                                        "the kernel verifier rejects program \"\(program)\" of template \"\(compiled.template.name)\" with \(set.origin):\n\(Self.excerpt(of: log))"))
            } catch {
                found.append(Diagnostic(at: set.location, path: set.origin,
                                        "template \"\(compiled.template.name)\" does not load with \(set.origin): \(error)"))
            }
        }
        return found
    }

    /// The end of a verifier log, where the reason is: the last `lines` lines.
    public static func excerpt(of log: String, lines: Int = 20) -> String {
        let all = log.split(separator: "\n", omittingEmptySubsequences: true)
        let shown = all.suffix(lines)
        return (all.count > lines ? ["  ..."] : []).joined() + shown.map { "  \($0)" }.joined(separator: "\n")
    }
}
