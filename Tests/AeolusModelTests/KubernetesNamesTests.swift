import AeolusModel
import Testing

/// Node names and labels as the Kubernetes API server accepts them.
struct KubernetesNamesTests {
    @Test(arguments: ["node-a", "n1", "ip-10-0-0-1.eu-west-1.compute.internal", "a", String(repeating: "a", count: 63),
                      (0..<4).map { _ in String(repeating: "b", count: 62) }.joined(separator: ".")])
    func validNodeNames(_ name: String) {
        #expect(KubernetesNames.subdomainProblem(name) == nil, "\(name)")
    }

    @Test(arguments: ["", "Node-A", "node_a", "-node", "node-", "a..b", ".a", "a.", "a/b", "a\u{0}b", "a\r\nb",
                      "a\u{202E}b", String(repeating: "a", count: 64), String(repeating: "a.", count: 127) + "a",
                      String(repeating: "x", count: 10_000)])
    func invalidNodeNames(_ name: String) {
        #expect(KubernetesNames.subdomainProblem(name) != nil, "\(KubernetesNames.quoted(name))")
    }

    @Test func labelsAsTheAPIServerChecksThem() {
        #expect(KubernetesNames.labelsProblem(["topology.kubernetes.io/zone": "eu-west-1a", "kubernetes.io/os": "linux",
                                               "pool": "", "App_Name": "web.v2"]) == nil)
        #expect(KubernetesNames.labelsProblem(["/zone": "a"]) != nil, "an empty prefix")
        #expect(KubernetesNames.labelsProblem(["Example.com/zone": "a"]) != nil, "an uppercase prefix")
        #expect(KubernetesNames.labelsProblem(["zone": String(repeating: "v", count: 64)])?.contains("at most 63") == true)
        #expect(KubernetesNames.labelsProblem(["zone": "a b"]) != nil)
        #expect(KubernetesNames.labelsProblem(["zone\n": "a"])?.contains("\\n") == true, "control characters escaped in the message")
        let many = Dictionary(uniqueKeysWithValues: (0...KubernetesNames.maxLabels).map { ("l\($0)", "v") })
        #expect(KubernetesNames.labelsProblem(many)?.contains("at most \(KubernetesNames.maxLabels)") == true)
    }

    @Test func messagesQuoteAtMost80Characters() {
        let quoted = KubernetesNames.quoted(String(repeating: "x", count: 10_000))
        #expect(quoted.count == 83)
    }
}
