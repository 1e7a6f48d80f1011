import AeolusTesting
import Foundation
import Testing

/// flow-latency: RTT histogram, congestion window and smoothed RTT of one bound TCP flow.
struct FlowLatencyTests {
    @Test func measuresTheBoundFlowOnly() async throws {
        try KernelTest.requireRoot()
        let setup = try TCPFlowFixture()
        defer { setup.close() }
        let (pod, server, client, flow) = (setup.pod, setup.server, setup.client, setup.flow)
        let probe = try await TemplateProbe("flow-latency", parameters: flow.parameters)
        defer { probe.close() }

        // Another flow to the same server: ignored.
        let other = try pod.makeTCPClient()
        defer { other.close(reset: true) }
        try other.connect(to: pod.address, port: server.port)
        try other.send(count: 64 * 1024)
        try client.connect(to: pod.address, port: server.port)
        try client.send(count: 64 * 1024)
        #expect(server.waitForBytes(128 * 1024))

        // rtt_us key: the flow (12 bytes) + bucket u32. The client (saddr = host) sees the ACKs.
        let rtt = try probe.counters("rtt_us") { counts in
            counts.contains { Flow(key: $0.key) == flow && $0.value > 0 }
        }
        let flows = Set(rtt.keys.map(Flow.init(key:)))
        #expect(flows.contains(flow), "no RTT sample of \(flow); got \(flows)")
        #expect(flows.isSubset(of: [flow, flow.reversed]), "only \(flow) may be measured; got \(flows)")

        // srtt_us and cwnd hold what tcp_probe saw last, in microseconds and segments. With
        // nothing in flight, one more byte's ACK fires tcp_probe on the client before that ACK's
        // own RTT sample: the values then equal what TCP_INFO says now.
        let kernel = try client.settledInfo()
        try #require(kernel.unacknowledged == 0)
        try client.send(count: 1)
        let srtt = try probe.counters("srtt_us") { $0[flow.key] == UInt64(kernel.smoothedRTT) }
        #expect(srtt[flow.key] == UInt64(kernel.smoothedRTT), "srtt_us vs TCP_INFO (µs)")
        #expect(Set(srtt.keys.map(Flow.init(key:))).isSubset(of: [flow, flow.reversed]))
        let cwnd = try probe.counters("cwnd")
        #expect(cwnd[flow.key] == UInt64(kernel.congestionWindow), "cwnd vs TCP_INFO (segments)")

        other.close()
        client.close()
        #expect(server.waitForFinishedConnections(2))
    }
}
