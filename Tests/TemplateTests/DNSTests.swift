import AeolusTesting
import Testing

/// dns: DNS messages on pod interfaces, queries by type and responses by response code.
struct DNSTests {
    @Test func countsQueriesByTypeAndResponsesByRcode() async throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let probe = try await TemplateProbe("dns", parameters: ["port": "53"], pod: pod)
        defer { probe.close() }

        // Queries from the host to the pod's port 53 (ingress), a response from the pod's port 53 (egress).
        try pod.sendUDP(toPort: 53, count: 3, payload: DNSMessage.query(type: 1))
        try pod.sendUDP(toPort: 53, count: 2, payload: DNSMessage.query(type: 28))
        try pod.sendUDPToHost(port: 40_053, count: 4, payload: DNSMessage.response(type: 1, rcode: 3), sourcePort: 53)
        // Neither from nor to the DNS port: not counted.
        try pod.sendUDP(toPort: 5353, count: 2, payload: DNSMessage.query(type: 1))

        // Key: kind u8 (0 query, 1 response), rcode u8, qtype u16, 4 bytes padding.
        let queriesA = keyBytes(UInt8(0), UInt8(0), UInt16(1), UInt32(0))
        let queriesAAAA = keyBytes(UInt8(0), UInt8(0), UInt16(28), UInt32(0))
        let nxdomain = keyBytes(UInt8(1), UInt8(3), UInt16(1), UInt32(0))
        let expected: [[UInt8]: UInt64] = [queriesA: 3, queriesAAAA: 2, nxdomain: 4]
        let messages = try probe.counters("dns_messages") { $0 == expected }
        #expect(messages == expected)
    }
}

/// Hand-built DNS messages (RFC 1035) for the tests.
enum DNSMessage {
    /// A recursive query for `aeolus.example.` of `type` (1 A, 28 AAAA), class IN.
    static func query(type: UInt16) -> [UInt8] {
        header(flags: 0x0100) + question(type: type)
    }

    /// A response to that query with `rcode` (3 NXDOMAIN) and no answers.
    static func response(type: UInt16, rcode: UInt8) -> [UInt8] {
        header(flags: 0x8180 | UInt16(rcode & 0x0f)) + question(type: type)
    }

    private static func header(flags: UInt16) -> [UInt8] {
        // id 0x2a2a, flags, QDCOUNT 1, ANCOUNT/NSCOUNT/ARCOUNT 0 (big-endian).
        [0x2a, 0x2a, UInt8(flags >> 8), UInt8(flags & 0xff), 0, 1, 0, 0, 0, 0, 0, 0]
    }

    private static func question(type: UInt16) -> [UInt8] {
        let name = ["aeolus", "example"].flatMap { (label: String) -> [UInt8] in [UInt8(label.utf8.count)] + Array(label.utf8) } + [0]
        return name + [UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
    }
}
