import Foundation
import Testing
@testable import AeolusModel

@Suite struct RepositoryTests {
    /// Loads and validates a snapshot and returns the descriptions of the findings.
    func check(_ snapshot: [String: Data]) -> (ConfigRepository, [String]) {
        let (repo, diagnostics) = ConfigRepository.check(snapshot: snapshot)
        return (repo, diagnostics.map(\.description))
    }

    func edited(_ path: String, _ old: String, _ new: String) -> [String: Data] {
        var snapshot = Fixtures.snapshot()
        let text = String(decoding: snapshot[path]!, as: UTF8.self)
        precondition(text.contains(old), "\(old) not in \(path)")
        snapshot[path] = Fixtures.data(text.replacingOccurrences(of: old, with: new))
        return snapshot
    }

    @Test func goodRepository() throws {
        let (repo, findings) = check(Fixtures.snapshot())
        #expect(findings.isEmpty)
        #expect(repo.templates.keys.sorted() == ["flow-latency", "tcp-retransmits"])
        #expect(repo.templates["flow-latency"]?.sourceText == "// probe\n")
        #expect(repo.graph.edges.count == 1)
        #expect(repo.policies.map(\.metadata.name) == ["baseline-retransmits"])
        #expect(repo.settings.statusBranch == "aeolus/status")
    }

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let path: String
        let old: String
        let new: String
        let expected: [String]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "policy names an unknown template", path: "policies/baseline.yaml",
             old: "template: tcp-retransmits", new: "template: tcp-retransmit",
             expected: ["policies/baseline.yaml:5:3: error: spec.template: no template \"tcp-retransmit\" in templates/ (did you mean \"tcp-retransmits\"?)"]),
        Case(name: "policy sets an unknown parameter", path: "policies/baseline.yaml",
             old: "{dport: 443}", new: "{dprot: 443}",
             expected: ["policies/baseline.yaml:6:16: error: spec.parameters.dprot: template \"tcp-retransmits\" has no parameter \"dprot\" (did you mean \"dport\"?)"]),
        Case(name: "policy value does not fit the type", path: "policies/baseline.yaml",
             old: "{dport: 443}", new: "{dport: 70000}",
             expected: ["policies/baseline.yaml:6:16: error: spec.parameters.dport: invalid u16 value \"70000\" (expected an integer 0...65535)"]),
        Case(name: "edge names an unknown template", path: "graph.yaml",
             old: "deploy: flow-latency", new: "deploy: flow-latancy",
             expected: ["graph.yaml:7:7: error: spec.edges[0].deploy: no template \"flow-latancy\" in templates/ (did you mean \"flow-latency\"?)"]),
        Case(name: "binding to a label the metric does not have", path: "graph.yaml",
             old: "saddr: \"{labels.saddr}\"", new: "saddr: \"{labels.src}\"",
             expected: ["graph.yaml:8:14: error: spec.edges[0].with.saddr: metric \"aeolus_tcp_retransmits_total\" of template \"tcp-retransmits\" has no label \"src\" (its labels: daddr, dport, namespace, node, pod, saddr)"]),
        Case(name: "binding to an unknown parameter", path: "graph.yaml",
             old: "dport: \"{labels.dport}\"", new: "dport: \"{labels.dport}\", port: \"1\"",
             expected: ["graph.yaml:8:89: error: spec.edges[0].with.port: template \"flow-latency\" has no parameter \"port\" (did you mean \"dport\"?)"]),
        Case(name: "literal binding of the wrong type", path: "graph.yaml",
             old: "daddr: \"{labels.daddr}\"", new: "daddr: \"not-an-ip\"",
             expected: ["graph.yaml:8:39: error: spec.edges[0].with.daddr: invalid ipv4 value \"not-an-ip\" (expected a dotted IPv4 address such as 198.18.0.1)"]),
        Case(name: "required parameter not bound", path: "graph.yaml",
             old: "saddr: \"{labels.saddr}\", ", new: "",
             expected: ["graph.yaml:8:7: error: spec.edges[0].with: required parameter \"saddr\" of template \"flow-latency\" not bound"]),
        Case(name: "trigger metric does not exist", path: "graph.yaml",
             old: "metric: aeolus_tcp_retransmits_total", new: "metric: aeolus_tcp_retransmit_total",
             expected: ["graph.yaml:6:14: error: spec.edges[0].when.metric: template \"tcp-retransmits\" has no metric \"aeolus_tcp_retransmit_total\" (its metrics: aeolus_tcp_retransmits_total) (did you mean \"aeolus_tcp_retransmits_total\"?)"]),
        Case(name: "kprobe is parsed but unsupported", path: "templates/tcp-retransmits/template.yaml",
             old: "hook: tracepoint", new: "hook: kprobe",
             expected: ["templates/tcp-retransmits/template.yaml:8:29: error: spec.programs[0].hook: hook kprobe is not supported on this kernel (no kprobes); use a tracepoint or tp_btf"]),
        Case(name: "unknown decoder", path: "templates/tcp-retransmits/template.yaml",
             old: "decoders: [port]", new: "decoders: [porrt]",
             expected: ["templates/tcp-retransmits/template.yaml:19:45: error: spec.metrics[0].labels[2].decoders[0]: unknown decoder \"porrt\" (did you mean \"port\"?)"]),
    ]

    @Test(arguments: cases)
    func validation(_ c: Case) {
        let (_, findings) = check(edited(c.path, c.old, c.new))
        #expect(findings == c.expected)
    }

    @Test func cycleReportedUnlessAllowed() {
        let back = """

            - from: flow-latency
              when: {metric: aeolus_flow_latency_seconds, value: 30s, above: 0.5}
              deploy: tcp-retransmits
              with: {dport: "{labels.daddr}"}
        """
        var snapshot = Fixtures.snapshot()
        snapshot["graph.yaml"] = Fixtures.data(Fixtures.graph + back)
        let (repo, findings) = check(snapshot)
        #expect(findings.contains("graph.yaml:5:7: error: spec.edges[0]: cycle tcp-retransmits → flow-latency → tcp-retransmits; set allowCycle: true on every edge of the cycle to allow it"))
        #expect(findings.filter { $0.contains("cycle") }.count == 1)
        // The running configuration drops the edges of the cycle.
        #expect(repo.validated().repository.graph.edges.isEmpty)

        // Allowed on one edge only: still a cycle.
        snapshot["graph.yaml"] = Fixtures.data(Fixtures.graph + back + "\n      allowCycle: true")
        #expect(check(snapshot).1.contains { $0.contains("cycle") })

        // Allowed on every edge: no finding.
        snapshot["graph.yaml"] = Fixtures.data(Fixtures.graph + "\n      allowCycle: true" + back + "\n      allowCycle: true")
        #expect(!check(snapshot).1.contains { $0.contains("cycle") })
    }

    @Test func selfLoopIsACycle() {
        let repo = ConfigRepository(templates: ["a": Template(name: "a")], graph: TemplateGraph(edges: [
            Edge(from: "a", when: Trigger(metric: "m", above: 1), deploy: "a"),
        ]))
        #expect(RepositoryValidator().cycles(in: repo).map(\.message) == ["cycle a → a; set allowCycle: true on every edge of the cycle to allow it"])
    }

    @Test func oneBrokenTemplateAmongGoodOnes() {
        var snapshot = Fixtures.snapshot()
        snapshot["templates/broken/template.yaml"] = Fixtures.data("apiVersion: aeolus.io/v1alpha1\nkind: Template\nmetadata: {name: broken\nspec: {}\n")
        snapshot["templates/broken/probe.bpf.c"] = Fixtures.data("")
        snapshot["templates/nosource/template.yaml"] = Fixtures.data(Fixtures.retransmits.replacingOccurrences(of: "tcp-retransmits", with: "nosource")
            .replacingOccurrences(of: "probe.bpf.c", with: "missing.bpf.c"))
        snapshot["templates/empty/probe.bpf.c"] = Fixtures.data("")
        snapshot["policies/bad.yaml"] = Fixtures.data("apiVersion: aeolus.io/v1alpha1\nkind: ProbePolicy\nmetadata: {name: bad}\nspec: {template: broken}\n")
        let (repo, findings) = check(snapshot)
        #expect(repo.templates.keys.sorted() == ["flow-latency", "tcp-retransmits"])
        #expect(repo.policies.count == 2)
        #expect(findings.count == 4, "\(findings)")
        #expect(findings.contains { $0.hasPrefix("templates/broken/template.yaml:4:5: error: malformed YAML") })
        #expect(findings.contains("templates/empty/: error: template folder \"empty\" has no template.yaml"))
        #expect(findings.contains("templates/nosource/template.yaml:6:3: error: spec.source: source file \"templates/nosource/missing.bpf.c\" does not exist"))
        #expect(findings.contains("policies/bad.yaml:4:8: error: spec.template: template \"broken\" has errors (see templates/broken/) and is skipped at this revision"))
        // The running configuration keeps the good policy only.
        #expect(repo.validated().repository.policies.map(\.metadata.name) == ["baseline-retransmits"])
    }

    @Test func duplicatePolicyAndNameMismatch() {
        var snapshot = Fixtures.snapshot()
        snapshot["policies/copy.yml"] = Fixtures.snapshot()["policies/baseline.yaml"]
        snapshot["templates/other/template.yaml"] = Fixtures.snapshot()["templates/flow-latency/template.yaml"]
        snapshot["templates/other/probe.bpf.c"] = Fixtures.data("")
        let (_, findings) = check(snapshot)
        #expect(findings == [
            "policies/copy.yml:3:12: error: metadata.name: duplicate policy \"aeolus-system/baseline-retransmits\" (first defined at policies/baseline.yaml:3:12)",
            "templates/other/template.yaml:3:12: error: metadata.name: template name \"flow-latency\" differs from its folder name \"other\"",
        ])
    }

    @Test func objectMapsChecked() throws {
        let (repo, _) = check(Fixtures.snapshot())
        let template = try #require(repo.templates["flow-latency"])
        let validator = RepositoryValidator()
        #expect(validator.validateMaps(of: template, objectMapNames: ["latency_hist", "start"], in: repo).isEmpty)
        #expect(validator.validateMaps(of: template, objectMapNames: ["latency_hst"], in: repo).map(\.description) == [
            "templates/flow-latency/template.yaml:17:7: error: spec.metrics[0].map: metric \"aeolus_flow_latency_seconds\" reads map \"latency_hist\" is not in the compiled object (its maps: latency_hst) (did you mean \"latency_hst\"?)",
            "templates/flow-latency/template.yaml:13:8: error: spec.maps[0].name: the override names map \"latency_hist\" is not in the compiled object (its maps: latency_hst) (did you mean \"latency_hst\"?)",
        ])
    }

    @Test func snapshotFromDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (path, data) in Fixtures.snapshot() {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: dir.appendingPathComponent(".git/HEAD"))
        let snapshot = try ConfigRepository.snapshot(directory: dir.path)
        #expect(snapshot == Fixtures.snapshot())
    }

    @Test func valuesRoundTripThroughJSON() throws {
        let (repo, _) = check(Fixtures.snapshot())
        let templates = Array(repo.templates.values)
        #expect(try JSONDecoder().decode([Template].self, from: JSONEncoder().encode(templates)) == templates)
        #expect(try JSONDecoder().decode(TemplateGraph.self, from: JSONEncoder().encode(repo.graph)) == repo.graph)
        #expect(try JSONDecoder().decode(RepoSettings.self, from: JSONEncoder().encode(repo.settings)) == repo.settings)
    }
}
