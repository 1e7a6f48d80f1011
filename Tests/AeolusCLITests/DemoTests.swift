import AeolusTesting
import Foundation
import Testing

/// The closed loop end to end, with the real kernel, through `aeolus demo`: two pods talk over
/// TCP, loss is injected between them, the retransmit probe's counter rises, the collector sends
/// it, the dictator fires the edge, a per-flow probe bound to that flow attaches, its metrics
/// appear in Prometheus, the reaction lands on the status branch, and after its TTL the probe is
/// gone and the reaction file says expired. Afterwards nothing is left behind.
@Suite(.serialized) struct DemoTests {
    @Test(.timeLimit(.minutes(4))) func theWholeLoop() async throws {
        try KernelTest.requireRoot()
        let workdir = try TemporaryDirectory(prefix: "aeolus-demo-test")
        defer { workdir.remove() }
        let output = try await AeolusBinary.run(["demo", "--duration", "1", "--workdir", workdir.path("demo"),
                                           "--config-repo", AeolusBinary.repositoryRoot() + "/config-repo-example"])
        let text = output.standardOutput
        #expect(output.status == 0, "demo failed:\n\(text)\n\(output.standardError)")
        for step in ["baseline live from git revision",
                     "web-traffic and cluster-dns live",
                     "injecting 15% packet loss",
                     "retransmissions:",
                     "edge retransmits-to-latency fired",
                     "deploy flow-latency on demo-node with daddr=198.18.0.11 dport=8080 saddr=198.18.0.13",
                     "per-flow probe reaction/",
                     "the flow's metrics: smoothed RTT",
                     "the reaction is on the status branch",
                     "outcome: expired",
                     "nothing left behind"] {
            #expect(text.contains(step), "missing step: \(step)")
        }
        let namespaces = try await Subprocess.run("/usr/sbin/ip", ["netns", "list"]).standardOutput
        #expect(!namespaces.contains("aeolus-demo-"))
        #expect(!FileManager.default.fileExists(atPath: "/sys/fs/bpf/aeolus/demo-node"))
    }
}
