/// Reading map keys and values by the byte layout template.yaml declares (little-endian
/// integers, as the kernel stores them on this machine; addresses as network-order bytes).
extension Array where Element == UInt8 {
    /// The little-endian integer of type `T` at byte `offset`.
    func le<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        self[offset..<offset + MemoryLayout<T>.size].withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }

    /// The dotted IPv4 address in the 4 bytes at `offset`.
    func ipv4(at offset: Int) -> String {
        self[offset..<offset + 4].map(String.init).joined(separator: ".")
    }
}

/// One TCP/UDP flow as the flow templates key it: source and destination address and port.
struct Flow: Hashable, CustomStringConvertible {
    var saddr: String
    var daddr: String
    var sport: UInt16
    var dport: UInt16

    /// The flow the other way round.
    var reversed: Flow { Flow(saddr: daddr, daddr: saddr, sport: dport, dport: sport) }

    /// The flow in the first 12 bytes of a key: saddr[4] daddr[4] sport u16 dport u16 (host order).
    init(key: [UInt8]) {
        self.init(saddr: key.ipv4(at: 0), daddr: key.ipv4(at: 4), sport: key.le(UInt16.self, at: 8),
                  dport: key.le(UInt16.self, at: 10))
    }

    init(saddr: String, daddr: String, sport: UInt16, dport: UInt16) {
        self.saddr = saddr; self.daddr = daddr; self.sport = sport; self.dport = dport
    }

    /// The flow as the first 12 bytes of a key (the inverse of `init(key:)`).
    var key: [UInt8] {
        (saddr + "." + daddr).split(separator: ".").map { UInt8($0)! } + keyBytes(sport, dport)
    }

    /// The parameters that bind a flow template to this flow.
    var parameters: [String: String] {
        ["saddr": saddr, "daddr": daddr, "sport": "\(sport)", "dport": "\(dport)"]
    }

    var description: String { "\(saddr):\(sport) → \(daddr):\(dport)" }
}

/// The little-endian bytes of integers, concatenated: a map key in the kernel's layout.
func keyBytes<each T: FixedWidthInteger>(_ fields: repeat each T) -> [UInt8] {
    var bytes: [UInt8] = []
    for field in repeat each fields {
        withUnsafeBytes(of: field.littleEndian) { bytes.append(contentsOf: $0) }
    }
    return bytes
}
