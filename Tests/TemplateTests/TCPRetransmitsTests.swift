import AeolusTesting
import Foundation
import Testing

/// tcp-retransmits: retransmitted segments per IPv4 flow, node-wide.
struct TCPRetransmitsTests {
    @Test func countsRetransmitsOfALossyFlow() async throws {
        try KernelTest.requireRoot()
        let setup = try TCPFlowFixture()
        defer { setup.close() }
        let (pod, server, client, flow) = (setup.pod, setup.server, setup.client, setup.flow)
        let probe = try await TemplateProbe("tcp-retransmits", parameters: ["dport": "\(server.port)"])
        defer { probe.close() }

        try client.connect(to: pod.address, port: server.port)
        // Loss on the way into the pod (the rule lives in the pod's namespace and goes with it).
        try pod.exec(["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "\(server.port)",
                      "-m", "statistic", "--mode", "random", "--probability", "0.3", "-j", "DROP"])
        try client.send(count: 256 * 1024)

        // Key: saddr[4] daddr[4] sport u16 dport u16; the client retransmits, so the flow is its own.
        let counts = try probe.counters("retransmits", within: 15) { ($0[flow.key] ?? 0) >= 1 }
        #expect((counts[flow.key] ?? 0) >= 1, "no retransmits of \(flow); counted \(Set(counts.keys.map(Flow.init(key:))))")
        // The dport parameter filters: nothing to another port is counted.
        #expect(counts.keys.allSatisfy { Flow(key: $0).dport == server.port })
    }
}
