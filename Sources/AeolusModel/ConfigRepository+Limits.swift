import Foundation

extension ConfigRepository {
    /// The files of `snapshot` over `limits.maxFileBytes`, and the snapshot as a whole over
    /// `limits.maxRepositoryBytes`: checked before anything is decoded, so an oversized file costs
    /// neither the time nor the memory of parsing it.
    public static func sizeProblems(snapshot: [String: Data], limits: Limits) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var total = 0
        for (path, data) in snapshot.sorted(by: { $0.key < $1.key }) {
            total += data.count
            if data.count > limits.maxFileBytes {
                problems.append(Diagnostic(at: SourceLocation(file: normalize(path)),
                                           "the file has \(data.count) bytes, above limits.maxFileBytes (\(limits.maxFileBytes)) "
                                           + "in \(Layout.settings): the revision is refused"))
            }
        }
        if total > limits.maxRepositoryBytes {
            problems.append(Diagnostic(at: SourceLocation(file: Layout.settings), path: "spec.limits.maxRepositoryBytes",
                                       "the repository has \(total) bytes, above limits.maxRepositoryBytes "
                                       + "(\(limits.maxRepositoryBytes)): the revision is refused"))
        }
        return problems
    }

    /// The object counts of this repository over its `settings.limits` (templates, policies, edges).
    public var countProblems: [Diagnostic] {
        let limits = settings.limits
        let counts: [(count: Int, limit: Int, name: String, what: String, file: String)] = [
            (templates.count + brokenTemplates.count, limits.maxTemplates, "maxTemplates", "templates", Layout.templates),
            (policies.count, limits.maxPolicies, "maxPolicies", "policies", Layout.policies),
            (graph.edges.count, limits.maxEdges, "maxEdges", "edges", Layout.graph),
        ]
        return counts.filter { $0.count > $0.limit }.map { entry in
            Diagnostic(at: SourceLocation(file: entry.file),
                       "the repository has \(entry.count) \(entry.what), above limits.\(entry.name) (\(entry.limit)) "
                       + "in \(Layout.settings): the revision is refused")
        }
    }
}
