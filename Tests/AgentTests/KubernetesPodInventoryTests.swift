import AeolusModel
import AeolusTesting
import Foundation
import KubeKit
import Logging
import Testing
@testable import Agent

/// The Kubernetes pod inventory against the fake API server, with pods that are network
/// namespaces of this test: what is attachable, what is only reported and why.
@Suite struct KubernetesPodInventoryTests {
    @Test func runningPodsAreFoundOthersAreReportedWithTheReason() async throws {
        try KernelTest.requireRoot()
        let temp = try TemporaryDirectory(prefix: "aeolus-kube-inventory")
        let (web, pending) = (try NetworkNamespace(), try NetworkNamespace())
        defer {
            web.close()
            pending.close()
            temp.remove()
        }
        let api = try await FakeKubeAPIServer.start()
        try api.writeKubeconfig(to: temp.path("kubeconfig"))
        let node = "inventory-\(web.name)"
        try api.create(.pods, FakeKubeAPIServer.pod(name: "web", namespace: "shop", node: node, labels: ["app": "web"],
                                                   ips: [web.address], owner: (kind: "DaemonSet", name: "web")))
        try api.create(.pods, FakeKubeAPIServer.pod(name: "starting", namespace: "shop", node: node, ips: [pending.address], phase: "Pending"))
        try api.create(.pods, FakeKubeAPIServer.pod(name: "exporter", namespace: "kube-system", node: node, ips: ["127.0.0.1"],
                                                   hostNetwork: true))
        try api.create(.pods, FakeKubeAPIServer.pod(name: "gone-away", namespace: "shop", node: node, ips: ["198.18.255.250"]))
        try api.create(.pods, FakeKubeAPIServer.pod(name: "elsewhere", namespace: "shop", node: "another-node", ips: [web.address]))

        let client = KubeClient(config: try KubeConfig.load(kubeconfig: temp.path("kubeconfig")))
        let inventory = KubernetesPodInventory(client: client, node: node, netnsDirectories: ["/run/netns"], scanProc: false,
                                               logger: Logger(label: "test"))
        #expect(throws: AgentError.self) { try inventory.pods() }   // not listed yet: the agent changes nothing
        let task = Task { await inventory.run() }
        defer { task.cancel() }
        var changes = inventory.changes().makeAsyncIterator()
        _ = await changes.next()

        let pods = try inventory.pods()
        #expect(pods.map(\.qualifiedName) == ["shop/web"])
        let attachable = try #require(pods.first)
        #expect(attachable.netns == web.path && attachable.interface == web.interface)
        #expect(attachable.hostInterface == web.hostInterface && attachable.tcOnHostVeth)
        let records = Dictionary(uniqueKeysWithValues: (inventory.records() ?? []).map { ($0.qualifiedName, $0) })
        #expect(Set(records.keys) == ["shop/web", "shop/starting", "kube-system/exporter", "shop/gone-away"])
        #expect(records["shop/web"]?.workload == Workload(kind: "DaemonSet", name: "web"))
        #expect(records["shop/web"]?.reason == nil && records["shop/web"]?.hostIfindex == Int(if_nametoindex(web.hostInterface)))
        #expect(records["shop/starting"]?.reason?.contains("Pending") == true)
        #expect(records["kube-system/exporter"]?.reason?.contains("host network") == true)
        #expect(records["shop/gone-away"]?.reason?.contains("no network namespace holds 198.18.255.250") == true)

        // The pod starts: a change, and it becomes attachable.
        try api.update(.pods, namespace: "shop", name: "starting",
                       FakeKubeAPIServer.pod(name: "starting", namespace: "shop", node: node, ips: [pending.address]))
        _ = await changes.next()
        #expect(try inventory.pods().map(\.qualifiedName) == ["shop/starting", "shop/web"])

        // The API goes away: the last list stands.
        try api.setOutage(true)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try inventory.pods().count == 2)
    }
}
