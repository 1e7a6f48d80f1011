import Foundation
import Testing
@testable import AeolusModel

@Suite struct DecodingTests {
    @Test func goodTemplate() throws {
        let decoded = Template.decode(yaml: Fixtures.data(Fixtures.retransmits), file: "templates/tcp-retransmits/template.yaml")
        #expect(decoded.diagnostics.isEmpty, "\(decoded.diagnostics)")
        let template = try #require(decoded.value)
        #expect(template.name == "tcp-retransmits")
        #expect(template.programs == [TemplateProgram(name: "on_retransmit", hook: .tracepoint, target: "tcp/tcp_retransmit_skb")])
        #expect(template.parameter("daddr")?.defaultValue == .ipv4([0, 0, 0, 0]))
        #expect(template.metrics.first?.labels.map(\.size) == [4, 4, 2])
        #expect(template.metrics.first?.keySize == 10)
        #expect(decoded.sourceMap.location(of: "spec.parameters[1].type").line == 11)
    }

    @Test func histogramTemplateWithMapOverride() throws {
        let decoded = Template.decode(yaml: Fixtures.data(Fixtures.latency), file: "t.yaml")
        let template = try #require(decoded.value, "\(decoded.diagnostics)")
        #expect(template.programs.first?.hook == .tcIngress)
        #expect(template.parameter("dport")?.encoding == .network)
        #expect(template.parameter("saddr")?.isRequired == true)
        #expect(template.maps == [MapOverride(name: "latency_hist", maxEntries: .parameter("max_flows"))])
        let metric = try #require(template.metrics.first)
        #expect(metric.buckets?.upperBounds.count == 27)
        #expect(metric.eventLabels == ["daddr", "node", "pod", "namespace"])
    }

    /// Decodes `yaml` as a template and returns the only diagnostic's text.
    func single(_ yaml: String, file: String = "templates/foo/template.yaml") -> [String] {
        Template.decode(yaml: Fixtures.data(yaml), file: file).diagnostics.map(\.description)
    }

    struct BadCase: Sendable, CustomStringConvertible {
        let name: String
        let replace: String
        let with: String
        let expected: String
        var description: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(name: "unknown field with suggestion", replace: "    - {name: dport, type: u16, default: 0}",
                with: "    - {name: dport, tpye: u16, default: 0}",
                expected: "templates/foo/template.yaml:10:21: error: spec.parameters[0].tpye: unknown field \"tpye\" (did you mean \"type\"?)"),
        BadCase(name: "unknown type with suggestion", replace: "type: u16", with: "type: u17",
                expected: "templates/foo/template.yaml:10:27: error: spec.parameters[0].type: unknown type \"u17\" (expected one of u8, u16, u32, u64, s32, s64, bool, ipv4, ipv6, port, mac, ifname, duration, enum) (did you mean \"u16\"?)"),
        BadCase(name: "wrong type: mapping for a string", replace: "  source: probe.bpf.c", with: "  source: {file: probe.bpf.c}",
                expected: "templates/foo/template.yaml:6:11: error: spec.source: expected a string, found a mapping"),
        BadCase(name: "wrong type: integer expected", replace: "size: 2,", with: "size: two,",
                expected: "templates/foo/template.yaml:19:31: error: spec.metrics[0].labels[2].size: expected an integer between 1 and \(Int.max), found \"two\""),
        BadCase(name: "missing required field", replace: "      map: retrans_by_flow\n", with: "",
                expected: "templates/foo/template.yaml:13:7: error: spec.metrics[0].map: missing required field \"map\""),
        BadCase(name: "bad default value", replace: "default: 0.0.0.0", with: "default: 300.0.0.1",
                expected: "templates/foo/template.yaml:11:42: error: spec.parameters[1].default: default: invalid ipv4 value \"300.0.0.1\" (expected a dotted IPv4 address such as 198.18.0.1)"),
        BadCase(name: "wrong kind", replace: "kind: Template", with: "kind: Templat",
                expected: "templates/foo/template.yaml:2:7: error: kind: expected kind \"Template\", found \"Templat\""),
        BadCase(name: "unknown hook", replace: "hook: tracepoint", with: "hook: tracepiont",
                expected: "templates/foo/template.yaml:8:35: error: spec.programs[0].hook: unknown hook \"tracepiont\" (expected one of tc-ingress, tc-egress, xdp, tracepoint, tp_btf, cgroup_skb-ingress, cgroup_skb-egress, kprobe, tc, cgroup_skb, cgroup_skb/ingress, cgroup_skb/egress) (did you mean \"tracepoint\"?)"),
        BadCase(name: "malformed YAML", replace: "  description: TCP retransmissions per flow", with: "  description: [unclosed",
                expected: "templates/foo/template.yaml:6:9: error: malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 5, column 16)"),
        BadCase(name: "duplicate key", replace: "  source: probe.bpf.c", with: "  source: probe.bpf.c\n  source: other.c",
                expected: "templates/foo/template.yaml:6:3: error: duplicate key \"source\" in a mapping"),
    ]

    @Test(arguments: badCases)
    func badTemplate(_ c: BadCase) {
        #expect(Fixtures.retransmits.contains(c.replace))
        let yaml = Fixtures.retransmits.replacingOccurrences(of: c.replace, with: c.with)
        let decoded = Template.decode(yaml: Fixtures.data(yaml), file: "templates/foo/template.yaml")
        #expect(decoded.value == nil)
        #expect(decoded.diagnostics.map(\.description) == [c.expected])
    }

    @Test func collectsSeveralErrorsPerFile() {
        let yaml = Fixtures.retransmits
            .replacingOccurrences(of: "type: u16", with: "type: u17")
            .replacingOccurrences(of: "type: counter", with: "type: countr")
            .replacingOccurrences(of: "size: 2,", with: "size: 0,")
        let diagnostics = Template.decode(yaml: Fixtures.data(yaml), file: "t.yaml").diagnostics
        #expect(diagnostics.map(\.path) == ["spec.parameters[0].type", "spec.metrics[0].type", "spec.metrics[0].labels[2].size"])
    }

    @Test func templateChecks() {
        let cases: [(String, String, String)] = [
            ("    - {name: daddr, type: ipv4, default: 0.0.0.0}", "    - {name: dport, type: u32}", "duplicate parameter name \"dport\""),
            ("{name: dport, type: u16, default: 0}", "{name: dport, type: bool, min: 1}", "\"min\" applies only to integer, port and duration types, not bool"),
            ("{name: dport, type: u16, default: 0}", "{name: dport, type: enum}", "an enum parameter needs \"values\""),
            ("{name: dport, type: u16, default: 0}", "{name: dport, type: u16, default: 9, min: 10}", "default: 9 is below the minimum 10 of parameter \"dport\""),
            ("{name: dport, type: u16, default: 0}", "{name: dport, type: u8, encoding: network}", "\"encoding\" applies only to multi-byte integer types (u16, u32, u64, s32, s64, port), not u8"),
            ("hook: tracepoint, target: tcp/tcp_retransmit_skb", "hook: tracepoint", "hook tracepoint needs a target (e.g. tcp/tcp_retransmit_skb)"),
            ("hook: tracepoint, target: tcp/tcp_retransmit_skb", "hook: tc", "hook \"tc\" needs \"direction: ingress\" or \"direction: egress\""),
            ("type: counter", "type: histogram", "a histogram needs \"buckets\""),
        ]
        for (old, new, message) in cases {
            #expect(Fixtures.retransmits.contains(old))
            let yaml = Fixtures.retransmits.replacingOccurrences(of: old, with: new)
            let messages = Template.decode(yaml: Fixtures.data(yaml), file: "t.yaml").diagnostics.map(\.message)
            #expect(messages == [message])
        }
    }

    @Test func graphDecodes() throws {
        let decoded = TemplateGraph.decode(yaml: Fixtures.data(Fixtures.graph), file: "graph.yaml")
        let graph = try #require(decoded.value, "\(decoded.diagnostics)")
        let edge = try #require(graph.edges.first)
        #expect(edge.when.measure == .rate(window: .seconds(10)))
        #expect(edge.when.above == 5)
        #expect(edge.with["saddr"]?.labelReferences == ["saddr"])
        #expect(edge.ttl == .minutes(5))
        #expect(edge.maxActive == 20)
        #expect(edge.on == .eventNode)
        #expect(decoded.sourceMap.location(of: "spec.edges[0].with.daddr").line == 8)
    }

    @Test func graphKeepsGoodEdges() throws {
        let yaml = Fixtures.graph + """

            - from: a
              when: {metric: m, above: 1, labels: {dport: "!=22", comm: "=~curl|wget"}}
              deploy: b
              on: {selector: {matchLabels: {zone: a}}}
            - from: a
              when: {metric: m}
              deploy: b
              ttl: forever
        """
        let decoded = TemplateGraph.decode(yaml: Fixtures.data(yaml), file: "graph.yaml", defaults: EdgeDefaults(maxActive: 3))
        #expect(decoded.diagnostics.map(\.path) == ["spec.edges[2].when.above", "spec.edges[2].ttl"])
        let graph = try #require(decoded.value)
        #expect(graph.edges.count == 2)
        let second = graph.edges[1]
        #expect(second.maxActive == 3)
        #expect(second.on == .selector(nodes: LabelSelector(matchLabels: ["zone": "a"])))
        #expect(second.when.labels.contains(LabelMatcher(name: "dport", op: .notEqual, value: "22")))
        #expect(second.when.matches(labels: ["dport": "443", "comm": "wget"]))
        #expect(!second.when.matches(labels: ["dport": "22", "comm": "wget"]))
        #expect(!second.when.matches(labels: ["dport": "443", "comm": "wgetx"]))
    }

    @Test func multiDocumentPolicies() throws {
        let yaml = Fixtures.policy + "\n---\n" + Fixtures.policy.replacingOccurrences(of: "baseline-retransmits", with: "second")
            + "\n---\n" + Fixtures.policy.replacingOccurrences(of: "suspend: false", with: "suspend: maybe")
            .replacingOccurrences(of: "baseline-retransmits", with: "third") + "\n---\n"
        let (documents, diagnostics) = ProbePolicy.decodeAll(yaml: Fixtures.data(yaml), file: "policies/p.yaml")
        #expect(documents.compactMap(\.value).map(\.metadata.name) == ["baseline-retransmits", "second"])
        #expect(diagnostics.map(\.description) == ["policies/p.yaml:31:12: error: spec.suspend: expected true or false, found \"maybe\""])
        let policy = try #require(documents.first?.value)
        #expect(policy.spec.parameters == ["dport": "443"])
        #expect(policy.spec.selector.pods == nil)
        #expect(policy.status?.conditions.first?.reason == "Applied")
        #expect(policy.key == "aeolus-system/baseline-retransmits")
    }

    @Test func policyFromKubernetesJSON() throws {
        let json = """
        {"apiVersion":"aeolus.io/v1alpha1","kind":"ProbePolicy",
         "metadata":{"name":"p","namespace":"default","generation":3,"uid":"x","resourceVersion":"42"},
         "spec":{"template":"t","parameters":{"dport":443,"verbose":true,"addr":"10.0.0.1"},
                 "selector":{"pods":{"matchLabels":{"app":"web"}}}}}
        """
        let policy = try JSONDecoder().decode(ProbePolicy.self, from: Data(json.utf8))
        #expect(policy.spec.parameters == ["dport": "443", "verbose": "true", "addr": "10.0.0.1"])
        #expect(policy.metadata.generation == 3)
        #expect(policy.spec.selector.nodes.isEmpty)
        #expect(policy.spec.suspend == false)
        let again = try JSONDecoder().decode(ProbePolicy.self, from: JSONEncoder().encode(policy))
        #expect(again == policy)
    }

    @Test func settingsDefaultsAndOverrides() throws {
        let yaml = """
        apiVersion: aeolus.io/v1alpha1
        kind: RepoSettings
        spec:
          statusBranch: status
          allowedHooks: [tracepoint, tc-ingress]
          include: [include, lib/headers]
          helpers: {allow: [bpf_trace_printk], forbid: [ktime_get_ns]}
          limits: {maxActiveReactions: 5}
          reactionDefaults: {ttl: 2m}
        """
        let settings = try #require(RepoSettings.decode(yaml: Fixtures.data(yaml), file: "aeolus.yaml").value)
        #expect(settings.statusBranch == "status")
        #expect(settings.allowedHooks == [.tracepoint, .tcIngress])
        #expect(settings.include == ["include", "lib/headers"])
        #expect(settings.helpers.permits("map_lookup_elem"))
        #expect(settings.helpers.permits("bpf_trace_printk"))
        #expect(!settings.helpers.permits("bpf_ktime_get_ns"))
        #expect(settings.helpers.permits("bpf_probe_write_user") == false)
        #expect(settings.limits.maxActiveReactions == 5)
        #expect(settings.limits.reactionsPerMinute == Limits().reactionsPerMinute)
        #expect(settings.reactionDefaults.ttl == .minutes(2))
        #expect(!RepoSettings().helpers.permits("bpf_probe_write_user"))
        #expect(RepoSettings().helpers.permits("bpf_ktime_get_ns"))
        let typo = RepoSettings.decode(yaml: Fixtures.data("kind: RepoSettings\napiVersion: aeolus.io/v1alpha1\nspec: {statusBrnch: x}\n"), file: "aeolus.yaml")
        #expect(typo.diagnostics.map(\.description) == ["aeolus.yaml:3:8: error: spec.statusBrnch: unknown field \"statusBrnch\" (did you mean \"statusBranch\"?)"])
    }

    @Test(arguments: [
        ("{labels.saddr}", ["saddr": "10.0.0.1"], "10.0.0.1"),
        ("{labels.saddr}/{labels.dport}", ["saddr": "a", "dport": "80"], "a/80"),
        ("{{literal}}", [:], "{literal}"),
        ("443", [:], "443"),
    ])
    func bindings(_ text: String, _ labels: [String: String], _ rendered: String) throws {
        #expect(try Binding(text).render(labels: labels) == rendered)
    }

    @Test(arguments: ["{saddr}", "{labels.saddr", "x}"])
    func badBindings(_ text: String) {
        #expect(throws: Binding.SyntaxError.self) { try Binding(text) }
    }
}
