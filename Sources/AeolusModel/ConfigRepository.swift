import Foundation

/// The config repository, loaded: settings, templates, graph and policies that decoded cleanly,
/// plus where each came from. Built from a snapshot `[path: bytes]` so the working tree and any
/// git revision load the same way.
public struct ConfigRepository: Sendable, Equatable {
    /// Identifies one decoded document, to find its source map.
    public enum DocumentID: Sendable, Hashable {
        case settings
        case template(String)
        case graph
        /// A policy by `ProbePolicy.key`.
        case policy(String)
    }

    /// `aeolus.yaml`, or defaults.
    public var settings: RepoSettings
    /// Templates by name.
    public var templates: [String: Template]
    /// The graph; empty without `graph.yaml`.
    public var graph: TemplateGraph
    /// The policies, in file order.
    public var policies: [ProbePolicy]
    /// Where the fields of each document sit.
    public var sourceMaps: [DocumentID: SourceMap]
    /// Template folders whose template could not be decoded, so that what names them is told why
    /// it is skipped rather than that the template does not exist.
    public var brokenTemplates: Set<String> = []
    /// The repository limits this snapshot exceeds (`ConfigRepository+Limits`): when any, the
    /// whole revision is refused and nothing of it is applied.
    public var exceededLimits: [Diagnostic] = []

    /// Creates a repository from values (tests, or documents from elsewhere).
    public init(settings: RepoSettings = RepoSettings(), templates: [String: Template] = [:], graph: TemplateGraph = TemplateGraph(),
                policies: [ProbePolicy] = [], sourceMaps: [DocumentID: SourceMap] = [:]) {
        self.settings = settings
        self.templates = templates
        self.graph = graph
        self.policies = policies
        self.sourceMaps = sourceMaps
    }

    /// File names of the repository layout.
    public enum Layout {
        /// Repository settings.
        public static let settings = "aeolus.yaml"
        /// The graph.
        public static let graph = "graph.yaml"
        /// Folder of `<name>/template.yaml` + source.
        public static let templates = "templates/"
        /// Folder of ProbePolicy files.
        public static let policies = "policies/"
        /// A template's descriptor file.
        public static let templateFile = "template.yaml"
    }

    /// The source map of a document, or an empty one naming `fallbackFile`.
    public func sourceMap(_ id: DocumentID) -> SourceMap {
        if let map = sourceMaps[id] { return map }
        switch id {
        case .settings: return SourceMap(file: Layout.settings)
        case let .template(name): return SourceMap(file: "\(Layout.templates)\(name)/\(Layout.templateFile)")
        case .graph: return SourceMap(file: Layout.graph)
        case .policy: return SourceMap(file: Layout.policies)
        }
    }

    /// Decodes every document of `snapshot` (paths relative to the repository root, `/`-separated).
    /// A broken file costs only its own values: the result holds everything that decoded cleanly
    /// and a diagnostic for every problem.
    public static func load(snapshot: [String: Data]) -> (repository: ConfigRepository, diagnostics: Diagnostics) {
        var files: [String: Data] = [:]
        for (path, data) in snapshot { files[normalize(path)] = data }
        var repo = ConfigRepository()
        var diagnostics = Diagnostics()

        // The settings file is held to the default file limit (it sets the limits of the rest).
        let settingsFile = files[Layout.settings].map { [Layout.settings: $0] } ?? [:]
        repo.exceededLimits = sizeProblems(snapshot: settingsFile, limits: Limits())
        if let data = files[Layout.settings], repo.exceededLimits.isEmpty {
            let decoded = RepoSettings.decode(yaml: data, file: Layout.settings)
            diagnostics.append(contentsOf: decoded.diagnostics)
            if let settings = decoded.value { repo.settings = settings }
            repo.sourceMaps[.settings] = decoded.sourceMap
        }
        if repo.exceededLimits.isEmpty { repo.exceededLimits = sizeProblems(snapshot: files, limits: repo.settings.limits) }
        guard repo.exceededLimits.isEmpty else {
            diagnostics.append(contentsOf: repo.exceededLimits)
            return (repo, diagnostics)
        }
        loadTemplates(files, into: &repo, diagnostics: &diagnostics)
        if let data = files[Layout.graph] {
            let decoded = TemplateGraph.decode(yaml: data, file: Layout.graph, defaults: repo.settings.reactionDefaults)
            diagnostics.append(contentsOf: decoded.diagnostics)
            if let graph = decoded.value { repo.graph = graph }
            repo.sourceMaps[.graph] = decoded.sourceMap
        }
        loadPolicies(files, into: &repo, diagnostics: &diagnostics)
        repo.exceededLimits = repo.countProblems
        diagnostics.append(contentsOf: repo.exceededLimits)
        return (repo, diagnostics)
    }

    private static func loadTemplates(_ files: [String: Data], into repo: inout ConfigRepository, diagnostics: inout Diagnostics) {
        let folders = Set(files.keys.compactMap { path -> String? in
            guard path.hasPrefix(Layout.templates) else { return nil }
            let parts = path.dropFirst(Layout.templates.count).split(separator: "/")
            return parts.count >= 2 ? String(parts[0]) : nil
        })
        repo.brokenTemplates = folders
        defer { repo.brokenTemplates.subtract(repo.templates.keys) }
        for folder in folders.sorted() {
            let base = "\(Layout.templates)\(folder)/"
            let file = base + Layout.templateFile
            guard let data = files[file] else {
                diagnostics.append(Diagnostic(at: SourceLocation(file: base),
                                              "template folder \"\(folder)\" has no \(Layout.templateFile)"))
                continue
            }
            let decoded = Template.decode(yaml: data, file: file)
            diagnostics.append(contentsOf: decoded.diagnostics)
            guard var template = decoded.value else { continue }
            let map = decoded.sourceMap
            if template.name != folder {
                diagnostics.append(map.diagnostic(path: "metadata.name",
                                                  "template name \"\(template.name)\" differs from its folder name \"\(folder)\""))
                continue
            }
            guard let source = files[base + template.source] else {
                diagnostics.append(map.diagnostic(path: "spec.source", "source file \"\(base + template.source)\" does not exist"))
                continue
            }
            guard let text = String(data: source, encoding: .utf8) else {
                diagnostics.append(Diagnostic(at: SourceLocation(file: base + template.source), "the source file is not valid UTF-8"))
                continue
            }
            template.sourceText = text
            repo.templates[template.name] = template
            repo.sourceMaps[.template(template.name)] = map
        }
    }

    private static func loadPolicies(_ files: [String: Data], into repo: inout ConfigRepository, diagnostics: inout Diagnostics) {
        let paths = files.keys.filter { $0.hasPrefix(Layout.policies) && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }
        for path in paths.sorted() {
            let (documents, found) = ProbePolicy.decodeAll(yaml: files[path]!, file: path)
            diagnostics.append(contentsOf: found)
            for document in documents {
                guard let policy = document.value else { continue }
                if let first = repo.sourceMaps[.policy(policy.key)] {
                    diagnostics.append(document.sourceMap.diagnostic(
                        path: "metadata.name", "duplicate policy \"\(policy.key)\" (first defined at \(first.location(of: "metadata.name")))"))
                    continue
                }
                repo.policies.append(policy)
                repo.sourceMaps[.policy(policy.key)] = document.sourceMap
            }
        }
    }

    static func normalize(_ path: String) -> String {
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        while p.hasPrefix("/") { p = p.dropFirst() }
        return String(p)
    }

    /// Reads the files of a working tree into a snapshot (relative paths → bytes), skipping `.git`
    /// and symbolic links (as git snapshots do): a link in a template folder must not pull a file
    /// from outside the repository into what clang compiles and its diagnostics quote.
    public static func snapshot(directory: String) throws -> [String: Data] {
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey]) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: directory])
        }
        var files: [String: Data] = [:]
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix) else { continue }
            let relative = String(path.dropFirst(prefix.count))
            if relative == ".git" || relative.hasPrefix(".git/") {
                enumerator.skipDescendants()
                continue
            }
            let kind = try url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            if kind.isSymbolicLink == true {
                enumerator.skipDescendants()
                continue
            }
            guard kind.isRegularFile == true else { continue }
            files[relative] = try Data(contentsOf: url)
        }
        return files
    }

    /// Loads and validates in one step: the repository and every diagnostic, sorted by file and line.
    public static func check(snapshot: [String: Data], validator: RepositoryValidator = RepositoryValidator())
        -> (repository: ConfigRepository, diagnostics: Diagnostics) {
        var (repo, diagnostics) = load(snapshot: snapshot)
        diagnostics.append(contentsOf: validator.validate(repo))
        return (repo, diagnostics.sorted)
    }
}
