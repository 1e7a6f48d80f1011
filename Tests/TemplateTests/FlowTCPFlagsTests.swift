import AeolusTesting
import Testing

/// flow-tcp-flags: SYN, FIN, RST, zero-window and data segments of one bound TCP flow.
struct FlowTCPFlagsTests {
    /// The `flag` label values (template.yaml).
    enum Flag: UInt8 { case syn, fin, rst, zeroWindow, data }

    @Test func countsTheBoundFlowOnlyInBothDirections() async throws {
        try KernelTest.requireRoot()
        let setup = try TCPFlowFixture()
        defer { setup.close() }
        let (pod, server, client, flow) = (setup.pod, setup.server, setup.client, setup.flow)
        let probe = try await TemplateProbe("flow-tcp-flags", parameters: flow.parameters, pod: pod)
        defer { probe.close() }

        // Another flow to the same server from another port: not counted.
        let other = try pod.makeTCPClient()
        defer { other.close(reset: true) }
        try other.connect(to: pod.address, port: server.port)
        try other.send(count: 1000)
        other.close()
        try client.connect(to: pod.address, port: server.port)
        try client.send(count: 5000)
        client.close()
        #expect(server.waitForFinishedConnections(2))

        // Key: saddr[4] daddr[4] sport u16 dport u16 direction u8 (0 ingress, 1 egress) flag u8, 2 bytes padding.
        func key(_ flow: Flow, egress: Bool, _ flag: Flag) -> [UInt8] {
            flow.key + keyBytes(UInt8(egress ? 1 : 0), flag.rawValue, UInt16(0))
        }
        let clientFIN = key(flow, egress: false, .fin), serverFIN = key(flow.reversed, egress: true, .fin)
        let counts = try probe.counters("tcp_flags") { ($0[clientFIN] ?? 0) >= 1 && ($0[serverFIN] ?? 0) >= 1 }

        #expect(Set(counts.keys.map(Flow.init(key:))).isSubset(of: [flow, flow.reversed]),
                "only \(flow) may be counted; got \(Set(counts.keys.map(Flow.init(key:))))")
        #expect(counts[key(flow, egress: false, .syn)] == 1)             // SYN into the pod
        #expect(counts[key(flow.reversed, egress: true, .syn)] == 1)     // SYN-ACK out of it
        #expect((counts[key(flow, egress: false, .data)] ?? 0) >= 1)     // the 5000 bytes
        #expect(counts[key(flow.reversed, egress: true, .data)] == nil)  // the server sends none
        #expect(counts[clientFIN] == 1)
        #expect(counts[serverFIN] == 1)
        #expect(counts[key(flow, egress: false, .rst)] == nil)
    }
}
