import AeolusModel
import AeolusTesting
import Compiler
@testable import Dictator
import Foundation
import Testing

/// The reconciler owns "stale": a template broken at a revision keeps its last good object, and
/// with it its policies and its graph edges; a template broken without one is off, and its edges
/// are not active.
struct ReconcilerTests {
    /// The example's graph (tcp-retransmits → flow-latency → flow-tcp-flags), its three templates,
    /// and a policy for the first.
    static func snapshot(breaking broken: String? = nil) throws -> [String: Data] {
        var paths = ["aeolus.yaml", "include/aeolus.h", "graph.yaml"]
        for template in ["tcp-retransmits", "flow-latency", "flow-tcp-flags"] { paths += EndToEnd.templatePaths(template) }
        var files = try EndToEnd.exampleFiles(paths)
        files["policies/retransmits.yaml"] = EndToEnd.policy("retransmits", template: "tcp-retransmits")
        if let broken { files["templates/\(broken)/probe.bpf.c"] = "int broken( {\n" }
        return files.mapValues { Data($0.utf8) }
    }

    static func reconciler(in cache: TemporaryDirectory) throws -> Reconciler {
        Reconciler(compiler: RepositoryCompiler(compiler: BPFCompiler(clang: try Clang.locate(),
                                                                      cache: try ObjectCache(directory: cache.path("objects")))))
    }

    @Test func aStaleTemplateKeepsItsPoliciesAndItsEdges() async throws {
        let cache = try TemporaryDirectory(prefix: "aeolus-reconciler")
        defer { cache.remove() }
        let good = try Self.snapshot(), broken = try Self.snapshot(breaking: "tcp-retransmits")
        let (first, second) = try await offThePool { () -> (ReconcileOutcome, ReconcileOutcome) in
            var reconciler = try Self.reconciler(in: cache)
            return (reconciler.reconcile(snapshot: good, revision: "r1"), reconciler.reconcile(snapshot: broken, revision: "r2"))
        }
        #expect(first.conditions.values.allSatisfy { $0 == .live }, "\(first.errors)")
        #expect(first.edges.count == 2)

        #expect(second.conditions["tcp-retransmits"] == .stale)
        #expect(second.templates["tcp-retransmits"]?.revision == "r1", "the last good object stays in use")
        #expect(second.policies.map(\.key) == first.policies.map(\.key), "its policy still applies")
        #expect(second.edges.map(\.name).sorted() == first.edges.map(\.name).sorted(), "its edge stays active")
        #expect(second.errors["tcp-retransmits"]?.condition == .stale)
    }

    @Test func aTemplateBrokenWithoutALastGoodObjectIsOffAndItsEdgesAreNot() async throws {
        let cache = try TemporaryDirectory(prefix: "aeolus-reconciler")
        defer { cache.remove() }
        let broken = try Self.snapshot(breaking: "flow-latency")
        let outcome = try await offThePool { () -> ReconcileOutcome in
            var reconciler = try Self.reconciler(in: cache)
            return reconciler.reconcile(snapshot: broken, revision: "r1")
        }
        #expect(outcome.conditions["flow-latency"] == .off)
        #expect(outcome.templates["flow-latency"] == nil)
        #expect(outcome.edges.isEmpty, "both edges need flow-latency: \(outcome.edges.map(\.name))")
        #expect(outcome.policies.map(\.spec.template) == ["tcp-retransmits"])
    }
}
