import Foundation
import Testing
@testable import AeolusModel

@Suite struct RobustnessTests {
    static let inputs: [String] = [
        "", "---", "[]", "- a", "42", "{spec: []}", "apiVersion: [x]\nkind: {a: b}\nmetadata: 3\nspec: x",
        "spec: {programs: [1, [2], {name: 3}], parameters: [{name: x, type: enum, values: a}], metrics: x}",
        "spec: {edges: [1, {from: [], when: {rate: 0s, value: 1s, for: -1}}]}", "a: &x {b: *x}", "a: *undefined",
        "\t- tab", "key: \"unterminated", "{{{", "? [complex]\n: key",
        "spec: {selector: {nodes: {matchExpressions: [{}]}}, parameters: {a: [1]}}",
    ]

    @Test(arguments: inputs)
    func garbageGivesDiagnosticsNotCrashes(_ text: String) {
        let data = Data(text.utf8)
        let template = Template.decode(yaml: data, file: "t.yaml")
        #expect(template.value == nil && template.diagnostics.hasErrors)
        let graph = TemplateGraph.decode(yaml: data, file: "graph.yaml")
        #expect(graph.value == nil || graph.diagnostics.hasErrors)
        _ = ProbePolicy.decodeAll(yaml: data, file: "p.yaml")
        _ = RepoSettings.decode(yaml: data, file: "aeolus.yaml")
        #expect(template.diagnostics.allSatisfy { $0.file == "t.yaml" })
    }

    @Test func invalidUTF8() {
        let data = Data([0x61, 0x3a, 0x20, 0xff, 0xfe])
        #expect(Template.decode(yaml: data, file: "t.yaml").diagnostics.map(\.message) == ["the file is not valid UTF-8"])
    }
}
