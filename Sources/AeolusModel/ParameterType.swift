/// The type of a template parameter. Each type has a fixed size, which must match the size of the
/// `const volatile` variable of the same name in the template's C source.
public enum ParameterType: String, Sendable, Hashable, Codable, CaseIterable {
    case u8, u16, u32, u64, s32, s64
    case bool, ipv4, ipv6, port, mac, ifname, duration
    case `enum`

    /// Bytes the value takes in `.rodata`.
    public var byteSize: Int {
        switch self {
        case .u8, .bool: return 1
        case .u16, .port: return 2
        case .u32, .s32, .ipv4, .enum: return 4
        case .u64, .s64, .duration: return 8
        case .ipv6, .ifname: return 16
        case .mac: return 6
        }
    }

    /// Whether the type is an integer whose byte order can be chosen (`encoding: host|network`).
    public var hasByteOrder: Bool {
        switch self {
        case .u16, .u32, .u64, .s32, .s64, .port: return true
        default: return false
        }
    }

    /// Whether values can be compared against a `min`/`max` range.
    public var isOrdered: Bool {
        switch self {
        case .u8, .u16, .u32, .u64, .s32, .s64, .port, .duration: return true
        default: return false
        }
    }

    /// The C type of the matching `const volatile` variable, for messages and documentation.
    public var cType: String {
        switch self {
        case .u8, .bool: return "__u8"
        case .u16, .port: return "__u16"
        case .u32, .enum: return "__u32"
        case .u64, .duration: return "__u64"
        case .s32: return "__s32"
        case .s64: return "__s64"
        case .ipv4: return "__u32 (network order)"
        case .ipv6: return "__u8[16]"
        case .mac: return "__u8[6]"
        case .ifname: return "char[16]"
        }
    }
}

/// Byte order of an integer parameter in `.rodata`. `host` is little-endian (the BPF target is
/// bpfel on x86_64 and arm64); `network` is big-endian, for comparing against packet fields directly.
public enum ParameterEncoding: String, Sendable, Hashable, Codable, CaseIterable {
    case host, network
}
