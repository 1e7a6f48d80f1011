import AeolusTesting
import Testing

/// pod-traffic: packets and bytes per pod interface, direction, IP protocol and EtherType.
struct PodTrafficTests {
    @Test func countsUDPIntoThePodAndTheICMPAnswersOut() async throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let probe = try await TemplateProbe("pod-traffic", pod: pod)
        defer { probe.close() }

        let count = 20, payload = [UInt8](repeating: 0x61, count: 100)
        try pod.sendUDP(toPort: 40_000, count: count, payload: payload)

        // Key: ifindex u32, direction u8 (0 ingress, 1 egress), IP protocol u8, EtherType u16.
        let ifindex = try #require(probe.ifindexes["count_ingress"])
        let udpIn = keyBytes(UInt32(ifindex), UInt8(0), UInt8(17), UInt16(0x0800))
        let icmpOut = keyBytes(UInt32(ifindex), UInt8(1), UInt8(1), UInt16(0x0800))
        let packets = try probe.counters("traffic") { ($0[udpIn] ?? 0) >= count && ($0[icmpOut] ?? 0) >= 1 }
        let bytes = try probe.counters("traffic", offset: 8) { ($0[udpIn] ?? 0) >= UInt64(count * (payload.count + 42)) }

        #expect(packets[udpIn] == UInt64(count))
        // Each frame: Ethernet 14 + IPv4 20 + UDP 8 + payload.
        #expect(bytes[udpIn] == UInt64(count * (payload.count + 42)))
        // The pod answers a closed port with ICMP port unreachable (rate-limited, so at least one).
        #expect((packets[icmpOut] ?? 0) >= 1)
        #expect(packets.keys.allSatisfy { $0.le(UInt32.self, at: 0) == UInt32(ifindex) })
    }
}
