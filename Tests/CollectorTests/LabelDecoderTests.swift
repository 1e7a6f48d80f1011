import AeolusModel
@testable import Collector
import Testing

@Suite("Label decoders")
struct LabelDecoderTests {
    static let attachment = ProbeState.Attachment(hook: "tc", target: "eth0", netns: nil, pod: "web-1", namespace: "shop", ifindex: 7)
    static let context = DecoderContext(
        interfaces: [7: attachment], networkNamespaces: [4026532000: attachment],
        dropReasons: [2: "SKB_DROP_REASON_NO_SOCKET", 77: "SKB_DROP_REASON_TC_INGRESS"],
        hostInterfaceName: { $0 == 1 ? "lo" : nil })

    /// (decoder chain, key field bytes, expected label value)
    static let cases: [([DecoderSpec], [UInt8], String)] = [
        ([], [42, 0, 0, 0], "42"),
        ([DecoderSpec(name: "uint")], [0x39, 0x30], "12345"),
        ([DecoderSpec(name: "uint")], [1, 0, 0, 0, 0, 0, 0, 1], "72057594037927937"),
        ([DecoderSpec(name: "hex")], [0xde, 0xad, 0x01], "dead01"),
        ([DecoderSpec(name: "string")], Array("curl".utf8) + [0, 0, 0, 0], "curl"),
        ([DecoderSpec(name: "inet_ip")], [198, 18, 0, 2], "198.18.0.2"),
        ([DecoderSpec(name: "inet_ip")], [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1], "2001:db8::1"),
        ([DecoderSpec(name: "inet_ip")], Array(repeating: 0, count: 15) + [1], "::1"),
        ([DecoderSpec(name: "port")], [0x1f, 0x90], "8080"),
        ([DecoderSpec(name: "ifname")], [7, 0, 0, 0], "eth0"),
        ([DecoderSpec(name: "ifname")], [1, 0, 0, 0], "lo"),
        ([DecoderSpec(name: "ifname")], [99, 0, 0, 0], "99"),
        ([DecoderSpec(name: "ifindex")], [7, 0, 0, 0], "7"),
        ([DecoderSpec(name: "pod")], [7, 0, 0, 0], "web-1"),
        ([DecoderSpec(name: "namespace")], [7, 0, 0, 0], "shop"),
        ([DecoderSpec(name: "pod")], [8, 0, 0, 0], ""),
        ([DecoderSpec(name: "pod", args: ["from": "netns"])], withUnsafeBytes(of: UInt64(4026532000).littleEndian, Array.init), "web-1"),
        ([DecoderSpec(name: "namespace", args: ["from": "netns"])], withUnsafeBytes(of: UInt64(4026532000).littleEndian, Array.init), "shop"),
        ([DecoderSpec(name: "static_map", args: ["0": "ingress", "1": "egress"])], [1], "egress"),
        ([DecoderSpec(name: "static_map", args: ["0": "ingress"])], [5], "5"),
        ([DecoderSpec(name: "uint"), DecoderSpec(name: "static_map", args: ["300": "big"])], [0x2c, 0x01], "big"),
        ([DecoderSpec(name: "ip_protocol")], [6], "tcp"),
        ([DecoderSpec(name: "ip_protocol")], [17], "udp"),
        ([DecoderSpec(name: "ip_protocol")], [58], "icmpv6"),
        ([DecoderSpec(name: "ip_protocol")], [253], "253"),
        ([DecoderSpec(name: "ethertype")], [0x00, 0x08], "ipv4"),
        ([DecoderSpec(name: "ethertype")], [0xdd, 0x86], "ipv6"),
        ([DecoderSpec(name: "ethertype")], [0x06, 0x08], "arp"),
        ([DecoderSpec(name: "ethertype")], [0x34, 0x12], "0x1234"),
        ([DecoderSpec(name: "tcp_state")], [1], "established"),
        ([DecoderSpec(name: "tcp_state")], [10], "listen"),
        ([DecoderSpec(name: "tcp_state")], [12], "new_syn_recv"),
        ([DecoderSpec(name: "tcp_state")], [42], "42"),
        ([DecoderSpec(name: "drop_reason")], [2, 0, 0, 0], "no_socket"),
        ([DecoderSpec(name: "drop_reason")], [77, 0, 0, 0], "tc_ingress"),
        ([DecoderSpec(name: "drop_reason")], [200, 0, 0, 0], "200"),
        ([DecoderSpec(name: "dns_rcode")], [3], "NXDOMAIN"),
        ([DecoderSpec(name: "dns_rcode")], [0], "NOERROR"),
        ([DecoderSpec(name: "dns_qtype")], [28, 0], "AAAA"),
        ([DecoderSpec(name: "dns_qtype")], [65, 0], "HTTPS"),
        ([DecoderSpec(name: "dns_qtype")], [0x39, 0x30], "12345"),
    ]

    @Test(arguments: cases)
    func decodes(chain: [DecoderSpec], bytes: [UInt8], expected: String) throws {
        let decoders = try chain.map(LabelDecoder.init)
        let value = bytes.withUnsafeBytes { LabelDecoder.run(decoders, bytes: $0, context: Self.context) }
        #expect(value == expected)
    }

    @Test func everyDecoderHasACase() {
        let tested = Set(Self.cases.flatMap { $0.0.map(\.name) })
        #expect(LabelDecoder.names.subtracting(tested).isEmpty)
    }

    @Test(arguments: [DecoderSpec(name: "nope"), DecoderSpec(name: "static_map"), DecoderSpec(name: "pod", args: ["from": "cgroup"])])
    func badDecodersAreErrors(spec: DecoderSpec) {
        #expect(throws: LabelDecoderError.self) { try LabelDecoder(spec) }
    }

    @Test func kernelDropReasonsComeFromBTF() throws {
        let reasons = try #require(DecoderContext.kernelDropReasons())
        #expect(reasons.values.contains("SKB_DROP_REASON_NOT_SPECIFIED"))
        let context = DecoderContext(dropReasons: reasons)
        let value = withUnsafeBytes(of: UInt32(2).littleEndian) { LabelDecoder.run([try! LabelDecoder(DecoderSpec(name: "drop_reason"))], bytes: $0, context: context) }
        #expect(value == reasons[2]!.dropFirst("SKB_DROP_REASON_".count).lowercased())
    }
}
