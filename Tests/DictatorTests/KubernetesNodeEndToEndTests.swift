import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import Testing

/// A Kubernetes cluster of two nodes on this machine, through the `aeolus` binary: the fake API
/// server holds the Nodes, the Pods (network namespaces of this test, their IPs inside them) and
/// the ProbePolicy resources; `aeolus dictator --kubernetes`, two `aeolus agent --pods kubernetes`
/// (node-a, node-b) and a collector for node-a with the `k8sattributes` processor. Probes are
/// checked where they run: the tc filters on the pods' host veths.
@Suite(.serialized) struct KubernetesNodeEndToEndTests {
    let steps = EndToEnd()

    /// The BPF filters on the host end of `pod`'s veth, both directions.
    static func hostFilters(_ pod: NetworkNamespace) throws -> [String] {
        try ["ingress", "egress"].flatMap { direction in
            try Subprocess.run("/usr/sbin/tc", ["filter", "show", "dev", pod.hostInterface, direction])
                .standardOutput.split(separator: "\n").map(String.init)
                .filter { $0.contains(" bpf ") && $0.contains(" handle ") }.map { "\(direction): \($0)" }
        }
    }

    static func policy(_ name: String, template: String) -> [String: Any] {
        ["apiVersion": "aeolus.io/v1alpha1", "kind": "ProbePolicy", "metadata": ["name": name],
         "spec": ["template": template,
                  "selector": ["nodes": ["matchLabels": ["aeolus.io/probes": "on"]],
                               "pods": ["matchLabels": ["app": "web"]]]] as [String: Any]]
    }

    @Test func podsAndNodeLabelsFromTheAPIDriveProbesAndMetrics() async throws {
        try KernelTest.requireRoot()
        let temp = try TemporaryDirectory(prefix: "aeolus-kube-nodes")
        let (web1, web2, db1, web3) = (try NetworkNamespace(), try NetworkNamespace(), try NetworkNamespace(), try NetworkNamespace())
        let all = [web1, web2, db1, web3]
        var processes: [AeolusProcess] = []
        var dictator: DictatorProcess?
        var daemon: GitDaemon?
        defer {
            processes.forEach { $0.kill() }
            dictator?.kill()
            daemon?.stop()
            all.forEach { $0.close() }
            for node in ["node-a", "node-b"] { try? FileManager.default.removeItem(atPath: "/sys/fs/bpf/aeolus/\(node)") }
            rmdir("/sys/fs/bpf/aeolus")
            temp.remove()
        }
        // web-1 reaches db-1's address through its host end: its SYNs leave web-1 (no answer needed).
        try web1.exec(["/usr/sbin/ip", "route", "add", "\(db1.address)/32", "via", web1.hostAddress])

        let api = try await FakeKubeAPIServer.start()
        try api.writeKubeconfig(to: temp.path("kubeconfig"))
        try api.create(.nodes, FakeKubeAPIServer.node(name: "node-a", labels: ["aeolus.io/probes": "on", "topology.kubernetes.io/zone": "a"]))
        try api.create(.nodes, FakeKubeAPIServer.node(name: "node-b", labels: ["aeolus.io/probes": "on", "topology.kubernetes.io/zone": "b"]))
        let placement: [(String, NetworkNamespace, String, String)] = [
            ("web-1", web1, "web", "node-a"), ("web-2", web2, "web", "node-a"), ("db-1", db1, "db", "node-a"), ("web-3", web3, "web", "node-b"),
        ]
        for (name, pod, app, node) in placement {
            try api.create(.pods, namespace: "shop", FakeKubeAPIServer.pod(
                name: name, namespace: "shop", node: node, labels: ["app": app, "pod-template-hash": "5d4f8"], ips: [pod.address],
                owner: (kind: "ReplicaSet", name: "\(app)-5d4f8")))
        }

        let files = try EndToEnd.exampleFiles(["aeolus.yaml", "include/aeolus.h"] + EndToEnd.templatePaths("pod-traffic")
                                              + EndToEnd.templatePaths("flow-tcp-flags"))
        let served = try await EndToEnd.serve(files, in: temp)
        daemon = served.daemon
        dictator = try DictatorProcess(arguments: EndToEnd.dictatorArguments(served.daemon, in: temp)
                                       + ["--kubernetes", "--kubeconfig", temp.path("kubeconfig")],
                                       logFile: temp.path("dictator.log"))
        try await steps.waitReady(dictator!)
        try api.create(.probePolicies, namespace: "shop", Self.policy("web-traffic", template: "pod-traffic"))
        try api.create(.probePolicies, namespace: "shop", Self.policy("web-flows", template: "flow-tcp-flags"))

        func agent(_ node: String) throws -> AeolusProcess {
            try AeolusProcess(arguments: [
                "agent", "--node", node, "--pods", "kubernetes", "--kubeconfig", temp.path("kubeconfig"),
                "--dictator", dictator!.url, "--token-file", temp.path("token"), "--state-dir", temp.path("agent-\(node)"),
                "--listen", "none", "--interval", "5"], logFile: temp.path("agent-\(node).log"))
        }
        processes = [try agent("node-a"), try agent("node-b")]
        let metricsPort = try PrometheusServer.freePort()
        try """
            receivers:
              ebpf: {state_dir: \(temp.path("agent-node-a")), interval: 1s, node: node-a}
            processors:
              k8sattributes:
                pods_file: \(temp.path("agent-node-a"))/pods.json
                extract: {metadata: [workload, workload_kind]}
                flow_association:
                  - {ip_label: saddr, prefix: src_}
                  - {ip_label: daddr, prefix: dst_}
            exporters:
              prometheus: {endpoint: "127.0.0.1:\(metricsPort)"}
            service:
              pipelines:
                metrics: {receivers: [ebpf], processors: [k8sattributes], exporters: [prometheus]}

            """.write(toFile: temp.path("collector.yaml"), atomically: true, encoding: .utf8)
        processes.append(try AeolusProcess(arguments: ["collector", "--config", temp.path("collector.yaml")],
                                           logFile: temp.path("collector.log")))
        func logs() -> String {
            "dictator:\n\(dictator?.log ?? "")\n" + processes.map { "\($0.logFile):\n\($0.log)" }.joined(separator: "\n")
        }
        func attached(_ pod: NetworkNamespace) -> Bool { ((try? Self.hostFilters(pod)) ?? []).count == 4 }   // 2 probes × 2 directions
        func detached(_ pod: NetworkNamespace) -> Bool { ((try? Self.hostFilters(pod)) ?? ["?"]).isEmpty }
        func metrics() async -> String {
            let response = try? await steps.client.send(HTTPRequest(url: "http://127.0.0.1:\(metricsPort)/metrics", timeout: .seconds(2)))
            return response.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
        }

        // Each agent attaches to its own node's app=web pods, on their host veths, and nothing else.
        #expect(await EndToEnd.eventually(60) { attached(web1) && attached(web2) && attached(web3) }, "\(logs())")
        #expect(detached(db1))
        let podsFile = try String(contentsOfFile: temp.path("agent-node-a/pods.json"), encoding: .utf8)
        #expect(podsFile.contains("\"web-1\"") && podsFile.contains("\"db-1\"") && !podsFile.contains("\"web-3\""), "\(podsFile)")
        #expect(podsFile.contains(web1.hostInterface), "the host veth is found: \(podsFile)")

        // Relabelling db-1 to app=web attaches it within a second.
        let relabelled = ContinuousClock.now
        try api.update(.pods, namespace: "shop", name: "db-1", FakeKubeAPIServer.pod(
            name: "db-1", namespace: "shop", node: "node-a", labels: ["app": "web"], ips: [db1.address]))
        #expect(await EndToEnd.eventually(30) { attached(db1) }, "\(logs())")
        let relabelTime = ContinuousClock.now - relabelled
        print("pod relabelled → probes attached: \(relabelTime)")
        // The latency is measured by `aeolus-bench pods`; here it is only printed.

        // A restarted agent adopts what runs: the same filters (handles, program ids), none twice.
        let before = try all.flatMap(Self.hostFilters)
        processes[0].kill()
        processes[0] = try agent("node-a")
        try await Task.sleep(for: .seconds(3))
        #expect(try all.flatMap(Self.hostFilters) == before, "\(logs())")

        // Traffic on web-2 and a flow from web-1 to db-1: series named by pod and workload.
        try web2.sendUDPToHost(port: 9, count: 5, payload: Array("aeolus".utf8))
        _ = try? await Subprocess.collect("/usr/sbin/ip", ["netns", "exec", web1.name, "timeout", "1", "bash", "-c",
                                                    "exec 3<>/dev/tcp/\(db1.address)/8080"])
        let flowsNamed = await EndToEnd.eventually(30) {
            let page = await metrics()
            return page.contains("pod=\"web-2\"") && page.contains("aeolus_flow_tcp_segments_total{")
                && page.split(separator: "\n").contains { $0.hasPrefix("aeolus_flow_tcp_segments_total{")
                    && $0.contains("src_pod=\"web-1\"") && $0.contains("dst_pod=\"db-1\"")
                    && $0.contains("src_namespace=\"shop\"") && $0.contains("dst_namespace=\"shop\"") }
        }
        let page = await metrics()
        #expect(flowsNamed, "metrics:\n\(page)\n\(logs())")
        #expect(page.split(separator: "\n").contains {
            $0.hasPrefix("aeolus_pod_packets_total{") && $0.contains("pod=\"web-2\"") && $0.contains("workload=\"web\"")
                && $0.contains("workload_kind=\"Deployment\"") && $0.contains("namespace=\"shop\"")
        }, "\(page)")

        // Deleting web-2 detaches it, and its series leave /metrics (within a collection interval on
        // a quiet machine; the time is printed, not asserted).
        try api.delete(.pods, namespace: "shop", name: "web-2")
        #expect(await EndToEnd.eventually(30) { detached(web2) }, "\(logs())")
        let detachedAt = ContinuousClock.now
        let seriesGone = await EndToEnd.eventually(30) { !(await metrics()).contains("pod=\"web-2\"") }
        let after = await metrics()
        #expect(seriesGone, "\(after)")
        let gone = ContinuousClock.now - detachedAt
        print("pod deleted → probes detached; detached → series gone from /metrics: \(gone)")
        #expect(attached(web1) && attached(db1))

        // node-b's labels change so that the node selector no longer matches: web-3 loses its probes.
        try api.update(.nodes, name: "node-b", FakeKubeAPIServer.node(name: "node-b", labels: ["aeolus.io/probes": "off"]))
        #expect(await EndToEnd.eventually(30) { detached(web3) }, "\(logs())")
        #expect(attached(web1))
    }
}
