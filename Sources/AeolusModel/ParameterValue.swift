#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A typed parameter value: the result of parsing YAML or an event label against a `ParameterType`.
/// Its canonical text (`description`) parses back to the same value.
public enum ParameterValue: Sendable, Hashable, CustomStringConvertible {
    /// u8, u16, u32, u64 and port.
    case unsigned(UInt64)
    /// s32 and s64.
    case signed(Int64)
    case bool(Bool)
    /// 4 bytes in network order.
    case ipv4([UInt8])
    /// 16 bytes in network order.
    case ipv6([UInt8])
    /// 6 bytes.
    case mac([UInt8])
    /// An interface name of 1 to 15 bytes.
    case ifname(String)
    case duration(TimeSpan)
    /// An enumeration value and its index in the parameter's `values`.
    case enumValue(String, index: UInt32)

    /// The canonical text: decimal integers, dotted or RFC 5952 addresses, `aa:bb:..` MACs, `1m30s`.
    public var description: String {
        switch self {
        case let .unsigned(v): return String(v)
        case let .signed(v): return String(v)
        case let .bool(v): return v ? "true" : "false"
        case let .ipv4(b): return b.map(String.init).joined(separator: ".")
        case let .ipv6(b): return Self.formatIPv6(b)
        case let .mac(b): return b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
        case let .ifname(s): return s
        case let .duration(d): return d.description
        case let .enumValue(name, _): return name
        }
    }

    /// Orders two values of the same ordered kind; nil when they cannot be compared.
    func compare(_ other: ParameterValue) -> Int? {
        switch (self, other) {
        case let (.unsigned(a), .unsigned(b)): return a < b ? -1 : a == b ? 0 : 1
        case let (.signed(a), .signed(b)): return a < b ? -1 : a == b ? 0 : 1
        case let (.duration(a), .duration(b)): return a < b ? -1 : a == b ? 0 : 1
        default: return nil
        }
    }

    // MARK: Parsing by type

    /// Parses `text` as a value of `type`, without range or enum checks (see `ParameterSpec.parse`).
    /// `enumValues` is needed for `.enum`.
    public static func parse(_ text: String, as type: ParameterType, enumValues: [String] = []) -> Result<ParameterValue, ParameterError> {
        func fail(_ expected: String) -> Result<ParameterValue, ParameterError> {
            .failure(ParameterError(message: "invalid \(type.rawValue) value \"\(text)\" (expected \(expected))"))
        }
        switch type {
        case .u8: return IntegerText.parse(text, as: UInt8.self).map { .success(.unsigned(UInt64($0))) } ?? fail("an integer 0...255")
        case .u16: return IntegerText.parse(text, as: UInt16.self).map { .success(.unsigned(UInt64($0))) } ?? fail("an integer 0...65535")
        case .u32: return IntegerText.parse(text, as: UInt32.self).map { .success(.unsigned(UInt64($0))) } ?? fail("an integer 0...4294967295")
        case .u64: return IntegerText.parse(text, as: UInt64.self).map { .success(.unsigned($0)) } ?? fail("an integer 0...18446744073709551615")
        case .s32: return IntegerText.parse(text, as: Int32.self).map { .success(.signed(Int64($0))) } ?? fail("an integer -2147483648...2147483647")
        case .s64: return IntegerText.parse(text, as: Int64.self).map { .success(.signed($0)) } ?? fail("a 64-bit signed integer")
        case .port:
            guard let port = UInt16(text) else { return fail("a port number 0...65535") }
            return .success(.unsigned(UInt64(port)))
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .success(.bool(true))
            case "false", "no", "off", "0": return .success(.bool(false))
            default: return fail("true or false")
            }
        case .ipv4:
            guard let bytes = parseAddress(text, family: AF_INET, size: 4) else { return fail("a dotted IPv4 address such as 198.18.0.1") }
            return .success(.ipv4(bytes))
        case .ipv6:
            guard let bytes = parseAddress(text, family: AF_INET6, size: 16) else { return fail("an IPv6 address such as fd00::1") }
            return .success(.ipv6(bytes))
        case .mac:
            let parts = text.split(separator: text.contains("-") ? "-" : ":", omittingEmptySubsequences: false)
            let bytes = parts.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
            guard parts.count == 6, bytes.count == 6 else { return fail("a MAC address such as 02:00:00:00:00:01") }
            return .success(.mac(bytes))
        case .ifname:
            let size = text.utf8.count
            guard size >= 1, size <= 15, text != ".", text != "..",
                  !text.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace }) else {
                return fail("an interface name of 1 to 15 bytes without /, : or spaces")
            }
            return .success(.ifname(text))
        case .duration:
            do { return .success(.duration(try TimeSpan(parsing: text))) } catch {
                return .failure(ParameterError(message: error.message))
            }
        case .enum:
            guard let index = enumValues.firstIndex(of: text) else {
                return .failure(ParameterError(message: "invalid enum value \"\(text)\" (expected one of \(enumValues.joined(separator: ", ")))"
                    + Suggestion.hint(for: text, in: enumValues)))
            }
            return .success(.enumValue(text, index: UInt32(index)))
        }
    }

    /// The value's bytes for `.rodata`: integers little-endian (host) or big-endian (network),
    /// addresses and MACs as written, interface names NUL-padded to 16 bytes, durations as u64
    /// nanoseconds, bools as one byte, enums as the u32 index. `type` gives the width of integers.
    public func bytes(as type: ParameterType, encoding: ParameterEncoding = .host) -> [UInt8] {
        func integer(_ bits: UInt64, width: Int) -> [UInt8] {
            let little = (0..<width).map { UInt8(truncatingIfNeeded: bits >> (8 * UInt64($0))) }
            return encoding == .network ? little.reversed() : little
        }
        switch self {
        case let .unsigned(v): return integer(v, width: type.byteSize)
        case let .signed(v): return integer(UInt64(bitPattern: v), width: type.byteSize)
        case let .bool(v): return [v ? 1 : 0]
        case let .ipv4(b), let .ipv6(b), let .mac(b): return b
        case let .ifname(s): return Array(s.utf8) + [UInt8](repeating: 0, count: 16 - s.utf8.count)
        case let .duration(d): return integer(d.nanoseconds, width: 8)
        case let .enumValue(_, index): return integer(UInt64(index), width: 4)
        }
    }

    private static func parseAddress(_ text: String, family: Int32, size: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let ok = buffer.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return ok == 1 ? Array(buffer.prefix(size)) : nil
    }

    private static func formatIPv6(_ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let result = bytes.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &text, socklen_t(text.count)) }
        guard result != nil else { return bytes.map { String($0, radix: 16) }.joined(separator: ":") }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Why a text is not a valid value for a parameter.
public struct ParameterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong and what was expected.
    public var message: String
    /// Creates an error.
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension ParameterValue: Codable {
    private enum CodingKeys: String, CodingKey { case kind, value, index }
    private enum Kind: String, Codable { case unsigned, signed, bool, ipv4, ipv6, mac, ifname, duration, `enum` }

    /// Encodes as `{"kind": "unsigned", "value": "443"}` (enums add `"index"`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let kind: Kind
        switch self {
        case .unsigned: kind = .unsigned
        case .signed: kind = .signed
        case .bool: kind = .bool
        case .ipv4: kind = .ipv4
        case .ipv6: kind = .ipv6
        case .mac: kind = .mac
        case .ifname: kind = .ifname
        case .duration: kind = .duration
        case let .enumValue(_, index):
            kind = .enum
            try c.encode(index, forKey: .index)
        }
        try c.encode(kind, forKey: .kind)
        try c.encode(description, forKey: .value)
    }

    /// Decodes the form written by `encode(to:)`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(Kind.self, forKey: .kind)
        let text = try c.decode(String.self, forKey: .value)
        let type: ParameterType
        switch kind {
        case .unsigned: type = .u64
        case .signed: type = .s64
        case .bool: type = .bool
        case .ipv4: type = .ipv4
        case .ipv6: type = .ipv6
        case .mac: type = .mac
        case .ifname: type = .ifname
        case .duration: type = .duration
        case .enum:
            self = .enumValue(text, index: try c.decode(UInt32.self, forKey: .index))
            return
        }
        switch Self.parse(text, as: type) {
        case let .success(value): self = value
        case let .failure(error):
            throw DecodingError.dataCorruptedError(forKey: .value, in: c, debugDescription: error.message)
        }
    }
}
