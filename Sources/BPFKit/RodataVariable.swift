/// A `const volatile` global in the object's `.rodata` section: a load-time parameter.
public struct RodataVariable: Hashable, Sendable, Codable {
    /// The C variable name.
    public let name: String
    /// Byte offset inside `.rodata`.
    public let offset: UInt32
    /// Size in bytes.
    public let size: UInt32
    /// The kind of the variable's type once typedefs and qualifiers are stripped.
    public let kind: BTFKind
    /// Bit width for integers and enums; 0 otherwise.
    public let bits: Int
    /// True for signed integers.
    public let isSigned: Bool

    /// Creates a description of a variable (normally read by `ObjectSpec`).
    public init(name: String, offset: UInt32, size: UInt32, kind: BTFKind, bits: Int, isSigned: Bool) {
        self.name = name; self.offset = offset; self.size = size
        self.kind = kind; self.bits = bits; self.isSigned = isSigned
    }
}

/// A BTF type kind (`BTF_KIND_*`).
public enum BTFKind: Hashable, Sendable, Codable {
    case int, pointer, array, structure, union, enumeration, float, other(Int32)

    init(raw: Int32) {
        switch raw {
        case 1: self = .int
        case 2: self = .pointer
        case 3: self = .array
        case 4: self = .structure
        case 5: self = .union
        case 6, 19: self = .enumeration
        case 16: self = .float
        default: self = .other(raw)
        }
    }
}
