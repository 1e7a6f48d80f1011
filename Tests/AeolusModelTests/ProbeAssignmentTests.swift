@testable import AeolusModel
import Foundation
import Testing

@Suite struct ProbeAssignmentTests {
    static let probe = ProbeAssignment(
        id: "policy/ns/a", template: "t", digest: "sha256:a", programs: [TemplateProgram(name: "count", hook: .tcIngress)],
        load: LoadSettings(rodata: ["port": [80, 0]]), parameters: ["port": "80"],
        pods: PodSelector(namespace: "default"))

    @Test func encodesFlatAndRoundTrips() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Self.probe)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["id", "template", "digest", "programs", "load", "parameters", "pods", "metrics"])
        #expect(try JSONDecoder().decode(ProbeAssignment.self, from: data) == Self.probe)
    }

    @Test func copiesAreValues() {
        var changed = Self.probe
        changed.digest = "sha256:b"
        changed.parameters["port"] = "443"
        #expect(Self.probe.digest == "sha256:a" && Self.probe.parameters["port"] == "80")
        #expect(changed.digest == "sha256:b" && changed.parameters["port"] == "443")
        #expect(changed != Self.probe)
        changed.digest = "sha256:a"
        changed.parameters["port"] = "80"
        #expect(changed == Self.probe && changed.hashValue == Self.probe.hashValue, "equal fields, distinct storage")
    }
}
