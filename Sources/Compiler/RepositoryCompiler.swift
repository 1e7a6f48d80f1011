import AeolusModel
import BPFKit
import Foundation
import ProcessKit

/// A template together with its compiled, statically verified object.
public struct CompiledTemplate: Sendable {
    /// The template as declared.
    public let template: Template
    /// Its object.
    public let object: CompiledObject
}

/// Everything one revision of a config repository yields: the values that passed every check,
/// their objects, and a diagnostic for everything that did not.
public struct RepositoryBuild: Sendable {
    /// The repository with only the templates, policies and edges that are good to apply.
    public var repository: ConfigRepository
    /// Compiled and verified templates, by name.
    public var templates: [String: CompiledTemplate]
    /// Every problem found, sorted by file and line.
    public var diagnostics: Diagnostics
    /// Templates that were declared but did not make it (decode, validation, compile or verify).
    public var failedTemplates: Set<String>
    /// The policies and edges left out of `repository` because a template they need failed.
    /// Whether they apply anyway, with a template's last good object, is the reconciler's call.
    public var heldBack = HeldBack()

    /// Policies and edges that decoded and validated but need a failed template.
    public struct HeldBack: Sendable {
        /// Policies whose template failed.
        public var policies: [ProbePolicy] = []
        /// Edges one of whose ends failed.
        public var edges: [Edge] = []
    }
}

/// Turns a repository snapshot into a `RepositoryBuild`: decode, validate, compile, verify.
/// One broken template costs only itself and what depends on it.
public struct RepositoryCompiler: Sendable {
    /// The compiler (and its cache).
    public let compiler: BPFCompiler

    /// A repository compiler using `compiler`.
    public init(compiler: BPFCompiler) {
        self.compiler = compiler
    }

    /// `build(snapshot:)` on a thread of its own: clang and the checks take seconds, which must
    /// not hold a thread of the cooperative pool.
    public func build(snapshot: [String: Data]) async -> RepositoryBuild {
        await DedicatedThread.run("Compiler build") { self.build(snapshot: snapshot) }
    }

    /// Builds `snapshot` (repository-relative paths → bytes). Blocks the calling thread while
    /// clang runs: from async code use the async overload.
    public func build(snapshot: [String: Data]) -> RepositoryBuild {
        let (loaded, loadDiagnostics) = ConfigRepository.load(snapshot: snapshot)
        guard loaded.exceededLimits.isEmpty else {
            // Over the repository's limits: nothing is validated or compiled, the revision is refused.
            return RepositoryBuild(repository: loaded, templates: [:], diagnostics: loadDiagnostics.sorted, failedTemplates: [])
        }
        var (repository, diagnostics) = loaded.validated()
        diagnostics.append(contentsOf: loadDiagnostics)
        let declared = declaredTemplates(in: snapshot)
        var failed = declared.subtracting(repository.templates.keys)

        let verifier = StaticVerifier(settings: repository.settings)
        var compiled: [String: CompiledTemplate] = [:]
        for name in repository.templates.keys.sorted() {
            let template = repository.templates[name]!
            let sourceMap = repository.sourceMap(.template(name))
            do {
                let object = try compiler.compile(request(for: template, snapshot: snapshot, settings: repository.settings))
                diagnostics.append(contentsOf: object.warnings.map { $0.diagnostic(.warning) })
                let problems = verifier.verify(template, object: object.spec, sourceMap: sourceMap)
                diagnostics.append(contentsOf: problems)
                if problems.contains(where: { $0.severity == .error }) {
                    failed.insert(name)
                } else {
                    compiled[name] = CompiledTemplate(template: template, object: object)
                }
            } catch {
                diagnostics.append(contentsOf: Self.diagnostics(for: error, template: template, sourceMap: sourceMap))
                failed.insert(name)
            }
        }
        let heldBack = dropDependents(of: failed, from: &repository, diagnostics: &diagnostics)
        repository.templates = repository.templates.filter { compiled[$0.key] != nil }
        var build = RepositoryBuild(repository: repository, templates: compiled, diagnostics: diagnostics.sorted,
                                    failedTemplates: failed)
        build.heldBack = heldBack
        return build
    }

    /// The compile request of a template: every file in its folder plus the shared include folders.
    public func request(for template: Template, snapshot: [String: Data], settings: RepoSettings) -> CompileRequest {
        let folder = "\(ConfigRepository.Layout.templates)\(template.name)/"
        let includes = settings.include.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        var files: [String: [UInt8]] = [:]
        for (path, data) in snapshot where path.hasPrefix(folder) || includes.contains(where: { path.hasPrefix($0) }) {
            files[path] = [UInt8](data)
        }
        return CompileRequest(name: template.name, sourcePath: folder + template.source, files: files,
                              includeDirectories: settings.include)
    }

    private func declaredTemplates(in snapshot: [String: Data]) -> Set<String> {
        let prefix = ConfigRepository.Layout.templates
        return Set(snapshot.keys.compactMap { path in
            guard path.hasPrefix(prefix) else { return nil }
            let parts = path.dropFirst(prefix.count).split(separator: "/")
            return parts.count >= 2 ? String(parts[0]) : nil
        })
    }

    /// Policies and edges that need a failed template are skipped (with a note saying why), so
    /// that nothing half-built is ever planned; they are returned, for a reconciler that still
    /// holds the template's last good object.
    private func dropDependents(of failed: Set<String>, from repository: inout ConfigRepository,
                                diagnostics: inout Diagnostics) -> RepositoryBuild.HeldBack {
        var heldBack = RepositoryBuild.HeldBack()
        guard !failed.isEmpty else { return heldBack }
        let snapshot = repository
        repository.policies = snapshot.policies.filter { policy in
            guard failed.contains(policy.spec.template) else { return true }
            heldBack.policies.append(policy)
            diagnostics.append(snapshot.sourceMap(.policy(policy.key)).diagnostic(
                .warning, path: "spec.template",
                "policy \(policy.key) is not applied at this revision: template \"\(policy.spec.template)\" has errors"))
            return false
        }
        var kept: [Int] = []
        for (index, edge) in repository.graph.edges.enumerated() {
            if failed.contains(edge.from) || failed.contains(edge.deploy) {
                let broken = failed.contains(edge.from) ? edge.from : edge.deploy
                diagnostics.append(repository.sourceMap(.graph).diagnostic(
                    .warning, path: "spec.edges[\(index)]",
                    "edge \(edge.from) → \(edge.deploy) is not active at this revision: template \"\(broken)\" has errors"))
                heldBack.edges.append(edge)
            } else {
                kept.append(index)
            }
        }
        repository.graph.edges = kept.map { repository.graph.edges[$0] }
        if var map = repository.sourceMaps[.graph] {
            map.renumber(list: "spec.edges", keeping: kept)
            repository.sourceMaps[.graph] = map
        }
        return heldBack
    }

    static func diagnostics(for error: Error, template: Template, sourceMap: SourceMap) -> [Diagnostic] {
        switch error as? CompileError {
        case .compileFailed(_, let clang, let output)?:
            let errors = clang.filter { $0.severity == "error" }.map { $0.diagnostic(.error) }
            return errors.isEmpty ? [sourceMap.diagnostic(path: "spec.source", "clang failed: \(output)")] : errors
        case let other?:
            return [sourceMap.diagnostic(path: "spec.source", other.description)]
        case nil:
            return [sourceMap.diagnostic(path: "spec.source", "\(error)")]
        }
    }
}

extension ClangDiagnostic {
    /// The diagnostic in the repository's terms.
    func diagnostic(_ severity: Diagnostic.Severity) -> Diagnostic {
        Diagnostic(severity, at: SourceLocation(file: file, line: line, column: column), path: "", message)
    }
}
