import AeolusModel
import Foundation
import Testing

/// #14: a repository over its limits (file sizes, object counts) is refused as a whole, with an
/// error naming the file and the limit.
@Suite struct RepositoryLimitsTests {
    static func settings(_ limits: String) -> Data {
        Data("apiVersion: aeolus.io/v1alpha1\nkind: RepoSettings\nspec:\n  limits: {\(limits)}\n".utf8)
    }

    static func policies(_ count: Int, template: String = "t") -> Data {
        Data((0..<count).map { """
            apiVersion: aeolus.io/v1alpha1
            kind: ProbePolicy
            metadata: {name: p\($0), namespace: ns}
            spec: {template: \(template)}
            """ }.joined(separator: "\n---\n").utf8)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var snapshot: [String: Data]
        /// (file, fragment of the message) of each expected refusal; empty: accepted.
        var refusals: [(String, String)]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "within the limits", snapshot: ["aeolus.yaml": settings("maxPolicies: 3"), "policies/a.yaml": policies(3)],
             refusals: []),
        Case(name: "a file above maxFileBytes", snapshot: ["aeolus.yaml": settings("maxFileBytes: 100"), "policies/a.yaml": policies(3)],
             refusals: [("policies/a.yaml", "above limits.maxFileBytes (100)")]),
        Case(name: "a file above the default 1 MiB", snapshot: ["policies/huge.yaml": Data(count: (1 << 20) + 1)],
             refusals: [("policies/huge.yaml", "above limits.maxFileBytes (1048576)")]),
        Case(name: "an aeolus.yaml above the default 1 MiB", snapshot: ["aeolus.yaml": Data(count: (1 << 20) + 1)],
             refusals: [("aeolus.yaml", "above limits.maxFileBytes (1048576)")]),
        Case(name: "the repository above maxRepositoryBytes",
             snapshot: ["aeolus.yaml": settings("maxRepositoryBytes: 200"), "a.txt": Data(count: 150), "b.txt": Data(count: 150)],
             refusals: [("aeolus.yaml", "above limits.maxRepositoryBytes (200)")]),
        Case(name: "more policies than maxPolicies", snapshot: ["aeolus.yaml": settings("maxPolicies: 2"), "policies/a.yaml": policies(3)],
             refusals: [("policies/", "3 policies, above limits.maxPolicies (2)")]),
        Case(name: "more templates than maxTemplates",
             snapshot: ["aeolus.yaml": settings("maxTemplates: 1"), "templates/a/x.c": Data(), "templates/b/x.c": Data()],
             refusals: [("templates/", "2 templates, above limits.maxTemplates (1)")]),
        Case(name: "more edges than maxEdges",
             snapshot: ["aeolus.yaml": settings("maxEdges: 1"), "graph.yaml": Data("""
                 apiVersion: aeolus.io/v1alpha1
                 kind: TemplateGraph
                 spec:
                   edges:
                     - {name: e1, from: a, when: {metric: m, above: 1}, deploy: b}
                     - {name: e2, from: a, when: {metric: m, above: 2}, deploy: b}
                 """.utf8)],
             refusals: [("graph.yaml", "2 edges, above limits.maxEdges (1)")]),
    ]

    @Test(arguments: cases)
    func limits(_ c: Case) {
        let (repository, diagnostics) = ConfigRepository.load(snapshot: c.snapshot)
        #expect(repository.exceededLimits.count == c.refusals.count, "\(repository.exceededLimits)")
        for (file, fragment) in c.refusals {
            #expect(repository.exceededLimits.contains { $0.file == file && $0.message.contains(fragment) && $0.severity == .error },
                    "\(file): \(fragment) in \(repository.exceededLimits)")
            #expect(diagnostics.contains { $0.file == file && $0.message.contains(fragment) })
        }
        if c.name.contains("maxFileBytes") || c.name.contains("1 MiB") || c.name.contains("Bytes") {
            #expect(repository.policies.isEmpty, "nothing is decoded past a size limit")
        }
    }

    @Test func theLimitsDecodeFromAeolusYAML() throws {
        let decoded = RepoSettings.decode(yaml: Self.settings(
            "maxFileBytes: 2048, maxRepositoryBytes: 4096, maxTemplates: 3, maxPolicies: 4, maxEdges: 5"), file: "aeolus.yaml")
        let limits = try #require(decoded.value).limits
        let values: [Int] = [limits.maxFileBytes, limits.maxRepositoryBytes, limits.maxTemplates, limits.maxPolicies, limits.maxEdges]
        #expect(values == [2048, 4096, 3, 4, 5])
        #expect(RepoSettings.decode(yaml: Self.settings("maxPolicies: 0"), file: "aeolus.yaml").diagnostics.hasErrors)
    }

    @Test func limitsWrittenBeforeTheRepositoryLimitsStillDecode() throws {
        let old = #"{"maxInstructions": 10, "maxMapEntries": 20, "maxActiveReactions": 3, "reactionsPerMinute": 4}"#
        let limits = try JSONDecoder().decode(Limits.self, from: Data(old.utf8))
        #expect(limits.maxInstructions == 10 && limits.maxPolicies == Limits().maxPolicies)
    }
}
