import AeolusTesting
import Foundation
import Testing

/// The Kubernetes manifests render with kubectl's kustomize, and the node DaemonSet asks for what
/// its agent needs on a real cluster, and nothing more.
@Suite struct ManifestTests {
    @Test func manifestsRenderAndTheAgentReadsItsNodesPods() async throws {
        let manifests = AeolusBinary.repositoryRoot() + "/manifests"
        let kubectl = try await FakeKubeAPIServerFidelityTests.kubectlPath()
        let output = try await offThePool { try Subprocess.collect(kubectl, ["kustomize", manifests]) }
        #expect(output.status == 0, "kubectl kustomize manifests: \(output.standardError)")
        let rendered = output.standardOutput
        let documents = rendered.components(separatedBy: "\n---\n")
        let role = try #require(documents.first { $0.contains("kind: ClusterRole\n") && $0.contains("name: aeolus-node") })
        #expect(role.contains("- pods") && role.contains("- nodes"), "\(role)")
        for verb in ["get", "list", "watch"] { #expect(role.contains("- \(verb)")) }
        for verb in ["create", "update", "patch", "delete"] { #expect(!role.contains("- \(verb)"), "the agent's role grants \(verb)") }
        let daemonSet = try #require(documents.first { $0.contains("kind: DaemonSet") })
        #expect(daemonSet.contains("--pods=kubernetes"))
        #expect(daemonSet.contains("fieldPath: spec.nodeName"), "NODE_NAME from the downward API")
        #expect(daemonSet.contains("path: /run/netns") && daemonSet.contains("path: /var/run/netns"))
        #expect(rendered.contains("k8sattributes:"), "the collector enriches from the agent's inventory")
        // Agents prove their node with a projected service-account token the dictator reviews;
        // the DaemonSet mounts no secret of the dictator's.
        #expect(daemonSet.contains("audience: aeolus") && daemonSet.contains("--token-file=/var/run/secrets/aeolus/token"))
        #expect(!daemonSet.contains("key: token\n"), "the agents do not get the dictator's secret")
        let dictatorRole = try #require(documents.first { $0.contains("kind: ClusterRole\n") && $0.contains("name: aeolus-dictator\n") })
        #expect(dictatorRole.contains("- tokenreviews"), "\(dictatorRole)")
        #expect(rendered.contains("--agent-service-account=aeolus-system:aeolus-node"))
        // TLS from cert-manager: the dictator serves its Certificate's Secret; agents and
        // collectors verify it with the CA from their own Certificate's Secret (not the dictator's key).
        let certificate = try #require(documents.first { $0.contains("kind: Certificate\n") && $0.contains("secretName: aeolus-dictator-tls") })
        #expect(certificate.contains("aeolus-dictator.aeolus-system.svc"), "\(certificate)")
        let deployment = try #require(documents.first { $0.contains("kind: Deployment") })
        #expect(deployment.contains("--tls-cert=/etc/aeolus/tls/tls.crt") && deployment.contains("secretName: aeolus-dictator-tls"))
        #expect(deployment.contains("scheme: HTTPS"), "the probes speak HTTPS")
        #expect(daemonSet.contains("--dictator=https://") && daemonSet.contains("--ca=/etc/aeolus/tls/ca.crt"))
        #expect(daemonSet.contains("secretName: aeolus-node-tls") && !daemonSet.contains("aeolus-dictator-tls"))
        #expect(rendered.contains("ca_file: /etc/aeolus/tls/ca.crt") && rendered.contains("endpoint: https://aeolus-dictator"))
    }
}
