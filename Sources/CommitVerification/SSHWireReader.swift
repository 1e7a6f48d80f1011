/// Reads the SSH wire encoding (RFC 4251 §5): `uint32` big-endian, `string` (a length, then that
/// many bytes) and `mpint`. Every length is checked against what is left before anything is
/// read, so a hostile blob can make it fail but never over-read or allocate its claimed size.
struct SSHWireReader {
    private let bytes: [UInt8]
    private var offset = 0

    /// A reader at the start of `bytes`.
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether every byte was read.
    var isAtEnd: Bool { offset == bytes.count }

    /// `count` raw bytes.
    mutating func bytes(_ count: Int, field: String) throws -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else {
            throw SignatureFormatError("\(field): \(count) bytes expected, \(bytes.count - offset) left")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A big-endian `uint32`.
    mutating func uint32(field: String) throws -> UInt32 {
        try bytes(4, field: field).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// A `string`: a `uint32` length and that many bytes.
    mutating func string(field: String) throws -> [UInt8] {
        let length = try uint32(field: field + " length")
        return try bytes(Int(length), field: field)
    }

    /// A `string` that must be UTF-8 text.
    mutating func text(field: String) throws -> String {
        let raw = try string(field: field)
        guard let text = String(validating: raw, as: UTF8.self) else { throw SignatureFormatError("\(field): not UTF-8 text") }
        return text
    }

    /// An `mpint` as an unsigned big-endian magnitude without leading zero bytes; negative
    /// numbers are refused (no key or signature field is negative).
    mutating func unsignedMPInt(field: String) throws -> [UInt8] {
        let raw = try string(field: field)
        if let first = raw.first, first & 0x80 != 0 { throw SignatureFormatError("\(field): a negative number") }
        return Array(raw.drop { $0 == 0 })
    }

    /// Throws unless every byte was read.
    func expectEnd(_ what: String) throws {
        guard isAtEnd else { throw SignatureFormatError("\(what): \(bytes.count - offset) unexpected bytes at the end") }
    }
}

/// Writes the SSH wire encoding (the signed-data blob of PROTOCOL.sshsig).
struct SSHWireWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []

    /// Appends raw bytes.
    mutating func raw(_ data: some Sequence<UInt8>) { bytes.append(contentsOf: data) }

    /// Appends a `string`.
    mutating func string(_ data: some Collection<UInt8>) {
        let count = UInt32(data.count)
        bytes += [UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)]
        bytes.append(contentsOf: data)
    }
}

/// An SSH key, signature or trusted-keys entry that cannot be read: what is wrong with it.
public struct SignatureFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, naming the field.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
