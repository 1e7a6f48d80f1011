import AeolusModel
import Compiler
import Foundation

/// Why a template is listed under `status/errors`: what is running in its place.
public enum TemplateCondition: String, Sendable, Hashable, Codable {
    /// Compiled at this revision.
    case live
    /// Broken at this revision; its last good object (from an earlier revision) stays in use.
    case stale
    /// Broken and never compiled: its probes are off.
    case off
}

/// The errors of one template (or of the repository's other files) at one revision.
public struct TemplateErrors: Sendable, Hashable, Codable {
    /// The template's name, or `_repository` for settings, graph and policy files.
    public var template: String
    /// The revision the errors were found at.
    public var revision: String
    /// stale (last good object kept) or off; nil for `_repository`.
    public var condition: TemplateCondition?
    /// The revision of the object still in use, when stale.
    public var lastGoodRevision: String?
    /// The errors with file:line.
    public var errors: [Diagnostic]

    /// The pseudo-template naming errors outside any template folder.
    public static let repository = "_repository"
}

/// What one revision of the config repository yields after reconciling it against what was
/// built before: the templates in use (the new object, or the last good one for a broken
/// template), the policies to apply and the errors to report.
public struct ReconcileOutcome: Sendable {
    /// The git revision.
    public var revision: String
    /// The commit's subject line.
    public var subject: String
    /// Template name → the object in use.
    public var templates: [String: TemplateObject]
    /// The policies to apply.
    public var policies: [ProbePolicy]
    /// Errors by template (and `_repository`), only for those that have some.
    public var errors: [String: TemplateErrors]
    /// Template name → condition, for every declared template.
    public var conditions: [String: TemplateCondition]
    /// The graph's edges active at this revision (both ends have an object).
    public var edges: [Edge] = []
    /// The repository's limits (reactions per minute, active reactions, ...).
    public var limits: Limits = Limits()
    /// Why the whole revision is refused (it exceeds the repository limits), or nil when it
    /// applies. A refused outcome carries nothing else: what is live stays live.
    public var refused: [Diagnostic]?
    /// Who signed the revision (`Signer`'s description), when signatures are verified.
    public var signer: String?
}

/// Keeps, per template, the last object that compiled and verified, and turns each new revision
/// into a `ReconcileOutcome`: a revision with errors never takes down what works.
public struct Reconciler: Sendable {
    /// The repository compiler.
    public let compiler: RepositoryCompiler
    /// Template name → last good object.
    public private(set) var lastGood: [String: TemplateObject] = [:]

    /// A reconciler building with `compiler`, starting from the last good objects of an earlier
    /// run (so a template broken at the branch's tip keeps its object across a restart).
    public init(compiler: RepositoryCompiler, lastGood: [String: TemplateObject] = [:]) {
        self.compiler = compiler
        self.lastGood = lastGood
    }

    /// Loads last good objects saved by `save(to:)`; empty when there are none.
    public static func loadLastGood(from path: String) -> [String: TemplateObject] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: TemplateObject].self, from: data)) ?? [:]
    }

    /// Saves the last good objects (atomically).
    public func save(to path: String) throws {
        try JSONEncoder().encode(lastGood).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Checks and compiles `snapshot` (as `aeolus check` does) and reconciles it with the last
    /// good objects. Blocking (runs clang): call it off the cooperative pool.
    public mutating func reconcile(snapshot: [String: Data], revision: String, subject: String = "") -> ReconcileOutcome {
        let build = compiler.build(snapshot: snapshot)
        guard build.repository.exceededLimits.isEmpty else {
            var outcome = ReconcileOutcome(revision: revision, subject: subject, templates: [:], policies: [],
                                           errors: [:], conditions: [:])
            outcome.refused = build.repository.exceededLimits
            return outcome
        }
        var templates: [String: TemplateObject] = [:]
        var conditions: [String: TemplateCondition] = [:]
        for (name, compiled) in build.templates {
            let object = TemplateObject(template: compiled.template, digest: compiled.object.digest,
                                        elf: compiled.object.elf, revision: revision)
            templates[name] = object
            conditions[name] = .live
        }
        for name in build.failedTemplates {
            if let kept = lastGood[name] {
                templates[name] = kept
                conditions[name] = .stale
            } else {
                conditions[name] = .off
            }
        }
        lastGood = templates

        // "Stale" is decided here: the build held back the policies and edges that need a
        // broken template; those of a template whose last good object is kept apply with it.
        let inUse = Set(templates.keys)
        let policies = build.repository.policies + build.heldBack.policies.filter { inUse.contains($0.spec.template) }
        let edges = build.repository.graph.edges + build.heldBack.edges.filter { inUse.contains($0.from) && inUse.contains($0.deploy) }

        var grouped: [String: [Diagnostic]] = [:]
        for diagnostic in build.diagnostics where diagnostic.severity == .error {
            grouped[Self.owner(of: diagnostic.file), default: []].append(diagnostic)
        }
        var errors: [String: TemplateErrors] = [:]
        for (owner, found) in grouped {
            let condition = owner == TemplateErrors.repository ? nil : (conditions[owner] ?? .off)
            errors[owner] = TemplateErrors(template: owner, revision: revision, condition: condition,
                                           lastGoodRevision: condition == .stale ? templates[owner]?.revision : nil,
                                           errors: found)
        }
        var outcome = ReconcileOutcome(revision: revision, subject: subject, templates: templates, policies: policies,
                                       errors: errors, conditions: conditions)
        outcome.edges = edges
        outcome.limits = build.repository.settings.limits
        return outcome
    }

    /// The template a file belongs to (`templates/<name>/...`), else `_repository`.
    static func owner(of file: String) -> String {
        let prefix = ConfigRepository.Layout.templates
        guard file.hasPrefix(prefix) else { return TemplateErrors.repository }
        let parts = file.dropFirst(prefix.count).split(separator: "/")
        return parts.count >= 2 ? String(parts[0]) : TemplateErrors.repository
    }
}
