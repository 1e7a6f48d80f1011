import AeolusTesting
import Foundation
import Testing

/// flow-latency: RTT histogram, congestion window and smoothed RTT of one bound TCP flow.
struct FlowLatencyTests {
    @Test func measuresTheBoundFlowOnly() throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let server = try pod.startTCPServer()
        defer { server.close() }
        let client = try pod.makeTCPClient()
        defer { client.close(reset: true) }
        let flow = Flow(saddr: pod.hostAddress, daddr: pod.address, sport: client.port, dport: server.port)
        let probe = try TemplateProbe("flow-latency", parameters: flow.parameters)
        defer { probe.close() }

        // Another flow to the same server: ignored.
        let other = try pod.makeTCPClient()
        defer { other.close(reset: true) }
        try other.connect(to: pod.address, port: server.port)
        try other.send(count: 64 * 1024)
        try client.connect(to: pod.address, port: server.port)
        try client.send(count: 64 * 1024)
        #expect(server.waitForBytes(128 * 1024))
        usleep(50_000)                                   // the last ACKs reach the client
        let kernelRTT = try client.smoothedRTT()

        // rtt_us key: the flow (12 bytes) + bucket u32. The client (saddr = host) sees the ACKs.
        let rtt = try probe.counters("rtt_us") { counts in
            counts.contains { Flow(key: $0.key) == flow && $0.value > 0 }
        }
        let flows = Set(rtt.keys.map(Flow.init(key:)))
        #expect(flows.contains(flow), "no RTT sample of \(flow); got \(flows)")
        #expect(flows.isSubset(of: [flow, flow.reversed]), "only \(flow) may be measured; got \(flows)")

        // srtt_us: the latest smoothed RTT per flow direction, in microseconds: what TCP_INFO
        // says for the client's socket, give or take the samples since (an EWMA moves slowly).
        let srtt = try probe.counters("srtt_us")
        let probed = try #require(srtt[flow.key], "no smoothed RTT of \(flow): \(srtt)")
        #expect(probed > 0)
        #expect(probed * 3 >= UInt64(kernelRTT) && probed <= UInt64(kernelRTT) * 3,
                "srtt_us \(probed) µs, TCP_INFO says \(kernelRTT) µs")
        #expect(Set(srtt.keys.map(Flow.init(key:))).isSubset(of: [flow, flow.reversed]))
        let cwnd = try probe.counters("cwnd")
        #expect((cwnd[flow.key] ?? 0) >= 1)
        other.close()
        client.close()
        #expect(server.waitForFinishedConnections(2))
    }
}
