/// Ethernet + IPv4 frames for BPF_PROG_TEST_RUN, 64 bytes unless the payload needs more.
/// Addresses are from 198.18.0.0/15; checksums are left zero (no program here checks them).
enum TestFrame {
    /// The source and destination of every frame.
    static let source: [UInt8] = [198, 18, 0, 1]
    static let destination: [UInt8] = [198, 18, 0, 2]

    /// A UDP datagram from `sourcePort` to `destinationPort` carrying `payload`, padded to 64 bytes.
    static func udp(sourcePort: UInt16 = 12345, destinationPort: UInt16 = 8080, payload: [UInt8] = []) -> [UInt8] {
        let udpLength = 8 + payload.count
        let udp = bigEndian(sourcePort) + bigEndian(destinationPort) + bigEndian(UInt16(udpLength)) + [0, 0]
        return ipv4(protocol: 17, body: udp + payload)
    }

    /// A TCP segment (ACK|PSH, 20-byte header) from `sourcePort` to `destinationPort` carrying
    /// `payload`, padded to 64 bytes.
    static func tcp(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) -> [UInt8] {
        let header = bigEndian(sourcePort) + bigEndian(destinationPort)
            + [0, 0, 0, 1] + [0, 0, 0, 1]                 // sequence, acknowledgment
            + [0x50, 0x18] + bigEndian(UInt16(65535))     // data offset 5, ACK|PSH, window
            + [0, 0, 0, 0]                                // checksum, urgent pointer
        return ipv4(protocol: 6, body: header + payload)
    }

    private static func ipv4(protocol number: UInt8, body: [UInt8]) -> [UInt8] {
        let ethernet: [UInt8] = [2, 0, 0, 0, 0, 2] + [2, 0, 0, 0, 0, 1] + [0x08, 0x00]
        let ip: [UInt8] = [0x45, 0] + bigEndian(UInt16(20 + body.count)) + [0, 0, 0x40, 0]   // DF
            + [64, number, 0, 0] + source + destination
        let frame = ethernet + ip + body
        return frame + [UInt8](repeating: 0, count: max(0, 64 - frame.count))
    }

    private static func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
}
