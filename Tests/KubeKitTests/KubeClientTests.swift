import AeolusTesting
import CurlKit
import Foundation
@testable import KubeKit
import Testing

/// KubeClient against the fake API server: the requests it sends and how it reads the answers.
@Suite struct KubeClientTests {
    static func client(_ server: FakeKubeAPIServer, credentials: KubeConfig.Credentials? = nil, tls: TLSOptions = TLSOptions()) -> KubeClient {
        KubeClient(config: KubeConfig(server: server.url, tls: tls, credentials: credentials ?? .token(server.token)))
    }

    @Test func listsWithTheCollectionsResourceVersion() async throws {
        let server = try await FakeKubeAPIServer.start()
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "one", template: "t"))
        try server.create(namespace: "b", FakeKubeAPIServer.probePolicy(name: "two", template: "t"))
        let client = Self.client(server)

        let all = try await client.list(.probePolicies())
        #expect(all.items.map(\.key) == ["a/one", "b/two"])
        #expect(all.resourceVersion == (try server.resourceVersion()))
        let inB = try await client.list(.probePolicies(namespace: "b"))
        #expect(inB.items.map(\.key) == ["b/two"])
        #expect(inB.items.first?.generation == 1)
        #expect(try await client.get(.probePolicies(), name: "one", namespace: "a")?.json["spec"]?["template"] == "t")
        #expect(try await client.get(.probePolicies(), name: "none", namespace: "a") == nil)
    }

    @Test func watchStreamsChangesFromAResourceVersionWithBookmarks() async throws {
        let server = try await FakeKubeAPIServer.start(bookmarkInterval: 0.2)
        let client = Self.client(server)
        let start = try await client.list(.probePolicies()).resourceVersion
        let events = try await client.watch(.probePolicies(), resourceVersion: start, timeoutSeconds: 30)
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "one", template: "t"))
        try server.update(namespace: "a", name: "one", FakeKubeAPIServer.probePolicy(name: "one", template: "u"))
        try server.delete(namespace: "a", name: "one")

        var seen: [String] = []
        var bookmark: String?
        for try await event in events {
            switch event {
            case .added(let o): seen.append("ADDED \(o.key) \(o.generation ?? 0)")
            case .modified(let o): seen.append("MODIFIED \(o.key) \(o.generation ?? 0)")
            case .deleted(let o): seen.append("DELETED \(o.key)")
            case .bookmark(let version): if seen.count == 3 { bookmark = version }
            case .error(let status): Issue.record("unexpected \(status)")
            }
            if bookmark != nil { break }
        }
        #expect(seen == ["ADDED a/one 1", "MODIFIED a/one 2", "DELETED a/one"])
        #expect(bookmark == (try server.resourceVersion()))
        let watch = try server.requests().first { $0.query["watch"] != nil }
        #expect(watch?.query == ["watch": "1", "resourceVersion": start, "allowWatchBookmarks": "true", "timeoutSeconds": "30"])
    }

    @Test func aCompactedResourceVersionEndsTheWatchWith410() async throws {
        let server = try await FakeKubeAPIServer.start()
        let client = Self.client(server)
        let old = try await client.list(.probePolicies()).resourceVersion
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "one", template: "t"))
        try server.compact()
        var statuses: [KubeStatus] = []
        for try await event in try await client.watch(.probePolicies(), resourceVersion: old) {
            if case .error(let status) = event { statuses.append(status) }
        }
        #expect(statuses.count == 1)
        #expect(statuses.first?.code == 410)
        #expect(statuses.first?.isExpired == true)
    }

    @Test func patchesTheStatusSubresourceOnly() async throws {
        let server = try await FakeKubeAPIServer.start()
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "one", template: "t"))
        let client = Self.client(server)
        let stored = try await client.patchStatus(.probePolicies(), name: "one", namespace: "a", status: [
            "observedGeneration": 1, "conditions": [["type": "Ready", "status": "True", "reason": "Live"]],
        ])
        #expect(stored.json["status"]?["conditions"]?.array?.first?["reason"] == "Live")
        #expect(stored.generation == 1)
        let patch = try server.requests().last
        #expect(patch?.method == "PATCH")
        #expect(patch?.path == "/apis/aeolus.io/v1alpha1/namespaces/a/probepolicies/one/status")
        #expect(patch?.contentType == "application/merge-patch+json")
    }

    @Test func aRefusedTokenIsAStatusErrorAndARotatedTokenFileIsReadAgain() async throws {
        let server = try await FakeKubeAPIServer.start()
        let directory = try TemporaryDirectory(prefix: "kube-token")
        let tokenFile = directory.path("token")
        try "wrong".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let client = Self.client(server, credentials: .tokenFile(tokenFile))
        await #expect {
            try await client.list(.probePolicies())
        } throws: { error in
            guard case .status(let status, _) = error as? KubeError else { return false }
            return status.code == 401 && (error as? KubeError)?.description.contains("not accepted") == true
        }
        try server.setTokens(["rotated"])
        try "rotated\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        #expect(try await client.list(.probePolicies()).items.isEmpty)
    }

    @Test func httpsWithTheKubeconfigsCAAndAClientCertificate() async throws {
        let pki = try await HTTPTestServerCertificates.make()
        let server = try await FakeKubeAPIServer.start(tls: pki)
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "one", template: "t"))
        let directory = try TemporaryDirectory(prefix: "kube-tls")
        let ca = try String(contentsOfFile: pki.caCertificate, encoding: .utf8)
        try """
        current-context: x
        clusters: [{name: c, cluster: {server: "\(server.url)", certificate-authority-data: "\(Data(ca.utf8).base64EncodedString())"}}]
        users: [{name: u, user: {client-certificate: "\(pki.clientCertificate)", client-key: "\(pki.clientKey)"}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """.write(toFile: directory.path("config"), atomically: true, encoding: .utf8)
        let client = KubeClient(config: try KubeConfig.load(kubeconfig: directory.path("config")))
        #expect(try await client.list(.probePolicies()).items.map(\.key) == ["a/one"])
        #expect(try server.requests().last?.authorization == "")

        // Without the CA the server is not trusted.
        let untrusted = KubeClient(config: KubeConfig(server: server.url, credentials: .token(server.token)))
        await #expect {
            try await untrusted.list(.probePolicies())
        } throws: { error in
            guard case .transport(let curl) = error as? KubeError else { return false }
            return curl.kind == .tls
        }
    }
}
