import CGit2

/// A git object id (SHA-1), kept as its 40-character lowercase hex form.
public struct ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 40 lowercase hex digits.
    public let hex: String

    /// Parses 40 hex digits; nil for anything else (use `Repository.resolve` for short ids).
    public init?(hex: String) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 40, lower.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            return nil
        }
        self.hex = lower
    }

    init(_ oid: git_oid) {
        let digits = Array("0123456789abcdef".utf8)
        hex = withUnsafeBytes(of: oid.id) { bytes in
            String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] }, as: UTF8.self)
        }
    }

    init(_ oid: UnsafePointer<git_oid>) {
        self.init(oid.pointee)
    }

    /// The libgit2 form.
    var oid: git_oid {
        var oid = git_oid()
        // Cannot fail: `hex` was validated on construction.
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }

    /// The first 7 hex digits, for messages.
    public var short: String { String(hex.prefix(7)) }

    public var description: String { hex }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.hex < rhs.hex }
}
