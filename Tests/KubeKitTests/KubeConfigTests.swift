import AeolusTesting
import CurlKit
import Foundation
@testable import KubeKit
import Testing

@Suite struct KubeConfigTests {
    static let base = """
    apiVersion: v1
    kind: Config
    current-context: dev
    clusters:
    - name: c1
      cluster:
        server: https://10.0.0.1:6443/
        certificate-authority: certs/ca.crt
    - name: c2
      cluster:
        server: https://127.0.0.1:8443
        certificate-authority-data: \(Data("CA PEM".utf8).base64EncodedString())
        insecure-skip-tls-verify: true
    users:
    - name: tok
      user:
        token: abc
    - name: file
      user:
        tokenFile: /run/token
    - name: cert
      user:
        client-certificate: client.crt
        client-key-data: \(Data("KEY PEM".utf8).base64EncodedString())
    contexts:
    - name: dev
      context: {cluster: c1, user: tok, namespace: team-a}
    - name: ops
      context: {cluster: c2, user: file}
    - name: mtls
      context: {cluster: c1, user: cert}
    - name: anonymous
      context: {cluster: c2}
    - name: lost-cluster
      context: {cluster: nowhere, user: tok}
    - name: lost-user
      context: {cluster: c1, user: nobody}
    """

    struct Good: Sendable, CustomTestStringConvertible {
        let context: String?
        let expected: KubeConfig
        var testDescription: String { context ?? "current-context" }
    }

    static let good: [Good] = [
        Good(context: nil, expected: KubeConfig(server: "https://10.0.0.1:6443", tls: TLSOptions(caCertificate: .file("/etc/kube/certs/ca.crt")),
                                                credentials: .token("abc"), namespace: "team-a")),
        Good(context: "ops", expected: KubeConfig(server: "https://127.0.0.1:8443",
                                                  tls: TLSOptions(caCertificate: .data(Array("CA PEM".utf8)), insecureSkipVerify: true),
                                                  credentials: .tokenFile("/run/token"))),
        Good(context: "mtls", expected: KubeConfig(server: "https://10.0.0.1:6443",
                                                   tls: TLSOptions(caCertificate: .file("/etc/kube/certs/ca.crt"),
                                                                   clientCertificate: .file("/etc/kube/client.crt"),
                                                                   clientKey: .data(Array("KEY PEM".utf8))))),
        Good(context: "anonymous", expected: KubeConfig(server: "https://127.0.0.1:8443",
                                                        tls: TLSOptions(caCertificate: .data(Array("CA PEM".utf8)), insecureSkipVerify: true))),
    ]

    @Test(arguments: good)
    func readsAContext(_ example: Good) throws {
        let config = try KubeConfig.parse(kubeconfig: Self.base, source: "/etc/kube/config", directory: "/etc/kube", context: example.context)
        #expect(config == example.expected)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let context: String?
        let field: String
        let message: String
        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        Bad(name: "unknown context", text: base, context: "prod", field: "contexts", message: "no context named \"prod\""),
        Bad(name: "cluster not listed", text: base, context: "lost-cluster", field: "clusters", message: "names cluster \"nowhere\""),
        Bad(name: "user not listed", text: base, context: "lost-user", field: "users", message: "names user \"nobody\""),
        Bad(name: "no current context", text: "clusters: []\n", context: nil, field: "current-context", message: "not set"),
        Bad(name: "server not a URL", text: """
            current-context: x
            clusters: [{name: c, cluster: {server: "10.0.0.1:6443"}}]
            contexts: [{name: x, context: {cluster: c}}]
            """, context: nil, field: "clusters[c].cluster.server", message: "expected an http:// or https:// URL"),
        Bad(name: "bad base64", text: """
            current-context: x
            clusters: [{name: c, cluster: {server: "https://a", certificate-authority-data: "%%%"}}]
            contexts: [{name: x, context: {cluster: c}}]
            """, context: nil, field: "clusters[c].cluster.certificate-authority-data", message: "not valid base64"),
        Bad(name: "exec plugin", text: """
            current-context: x
            clusters: [{name: c, cluster: {server: "https://a"}}]
            users: [{name: u, user: {exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            """, context: nil, field: "users[u].user.exec", message: "credential plugins are not supported"),
        Bad(name: "certificate without key", text: """
            current-context: x
            clusters: [{name: c, cluster: {server: "https://a"}}]
            users: [{name: u, user: {client-certificate: a.crt}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            """, context: nil, field: "users[u].user", message: "go together"),
        Bad(name: "wrong type", text: """
            current-context: x
            clusters: [{name: c, cluster: {server: "https://a", insecure-skip-tls-verify: maybe}}]
            contexts: [{name: x, context: {cluster: c}}]
            """, context: nil, field: "clusters[0].cluster.insecure-skip-tls-verify", message: "expected a boolean"),
    ]

    @Test(arguments: bad)
    func reportsTheField(_ example: Bad) {
        #expect {
            try KubeConfig.parse(kubeconfig: example.text, source: "kubeconfig", directory: "/", context: example.context)
        } throws: { error in
            guard case let .configuration(source, field, message) = error as? KubeError else { return false }
            return source == "kubeconfig" && field == example.field && message.contains(example.message)
        }
    }

    @Test func inClusterReadsTheServiceAccount() throws {
        let directory = try TemporaryDirectory(prefix: "kube-sa")
        try "token-1\n".write(toFile: directory.path + "/token", atomically: true, encoding: .utf8)
        try "CA".write(toFile: directory.path + "/ca.crt", atomically: true, encoding: .utf8)
        try "aeolus-system\n".write(toFile: directory.path + "/namespace", atomically: true, encoding: .utf8)
        let config = try KubeConfig.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"],
                                              serviceAccountDirectory: directory.path)
        #expect(config == KubeConfig(server: "https://[fd00::1]:443", tls: TLSOptions(caCertificate: .file(directory.path + "/ca.crt")),
                                     credentials: .tokenFile(directory.path + "/token"), namespace: "aeolus-system"))
        #expect(try config.currentToken() == "token-1")
        // The kubelet replaces a projected token before it expires: the next request sends the new one.
        try "token-2\n".write(toFile: directory.path + "/token", atomically: true, encoding: .utf8)
        #expect(try config.currentToken() == "token-2")
    }

    @Test func inClusterOutsideAPodSaysWhatToDo() {
        #expect {
            try KubeConfig.inCluster(environment: [:], serviceAccountDirectory: "/nonexistent")
        } throws: { error in
            (error as? KubeError)?.description.contains("--kubeconfig") == true
        }
    }
}
