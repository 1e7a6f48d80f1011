import AeolusTesting
import Testing

/// packet-sizes: exp2 histogram of the sizes of packets a pod sends (XDP on the host side).
struct PacketSizesTests {
    @Test func bucketsWhatThePodSendsBySize() async throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let probe = try await TemplateProbe("packet-sizes", pod: pod)
        defer { probe.close() }
        let ifindex = try #require(probe.ifindexes["sizes"])

        // Frame = Ethernet 14 + IPv4 20 + UDP 8 + payload: 142 bytes → bucket 7, 1042 → bucket 10.
        let sends: [(payload: Int, count: Int, bucket: UInt32)] = [(100, 5, 7), (1000, 3, 10)]
        for send in sends {
            try pod.sendUDPToHost(port: 40_000, count: send.count, payload: [UInt8](repeating: 0x62, count: send.payload))
        }
        // Key: ifindex u32 (the host end, where XDP sees what the pod sends), bucket u32.
        func key(_ bucket: UInt32) -> [UInt8] { keyBytes(UInt32(ifindex), bucket) }
        let counts = try probe.counters("packet_bytes") { counts in
            sends.allSatisfy { (counts[key($0.bucket)] ?? 0) >= UInt64($0.count) }
        }
        for send in sends {
            // At least: the pod's own IPv6 neighbour or router chatter may land in a bucket too.
            #expect((counts[key(send.bucket)] ?? 0) >= UInt64(send.count), "bucket \(send.bucket)")
        }
        #expect(counts.keys.allSatisfy { $0.le(UInt32.self, at: 0) == UInt32(ifindex) })
    }
}
