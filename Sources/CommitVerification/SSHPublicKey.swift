import Crypto
import Foundation

/// An SSH public key of a kind Aeolus verifies signatures of: `ssh-ed25519`,
/// `ecdsa-sha2-nistp256/384/521` and `ssh-rsa` (signatures `rsa-sha2-256/512`), read from its
/// wire blob (the base64 field of a `.pub` line).
public struct SSHPublicKey: Sendable, Hashable {
    /// The key type, e.g. `ssh-ed25519`.
    public let type: String
    /// The key's wire blob: what its fingerprint is taken of and what signatures embed.
    public let blob: [UInt8]
    private let material: Material

    /// The key types whose signatures are verified.
    public static let supportedTypes: Set<String> = [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
    ]

    /// Key types OpenSSH knows that are refused with a reason (security keys, certificates).
    static func unsupportedReason(_ type: String) -> String? {
        if type.hasPrefix("sk-") { return "\(type): security-key (FIDO) signatures are not supported" }
        if type.contains("-cert-v01@openssh.com") { return "\(type): certificates are not supported; trust the key itself" }
        return nil
    }

    private enum Material: @unchecked Sendable {
        // @unchecked Sendable: immutable key values of swift-crypto, never mutated after parsing.
        case ed25519(Curve25519.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case p521(P521.Signing.PublicKey)
        case rsa(RSAPublicKey)
    }

    /// Reads a key from its wire blob; throws naming what is wrong or unsupported.
    public init(blob: [UInt8]) throws {
        var reader = SSHWireReader(blob)
        let type = try reader.text(field: "key type")
        if let reason = Self.unsupportedReason(type) { throw SignatureFormatError(reason) }
        switch type {
        case "ssh-ed25519":
            let raw = try reader.string(field: "ssh-ed25519 key")
            material = .ed25519(try Self.parse("ssh-ed25519") { try Curve25519.Signing.PublicKey(rawRepresentation: raw) })
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            let curve = try reader.text(field: "\(type) curve")
            guard "ecdsa-sha2-" + curve == type else { throw SignatureFormatError("\(type): curve \(curve) does not match the key type") }
            let point = try reader.string(field: "\(type) point")
            switch curve {
            case "nistp256": material = .p256(try Self.parse(type) { try P256.Signing.PublicKey(x963Representation: point) })
            case "nistp384": material = .p384(try Self.parse(type) { try P384.Signing.PublicKey(x963Representation: point) })
            default: material = .p521(try Self.parse(type) { try P521.Signing.PublicKey(x963Representation: point) })
            }
        case "ssh-rsa":
            let exponent = try reader.unsignedMPInt(field: "ssh-rsa exponent")
            let modulus = try reader.unsignedMPInt(field: "ssh-rsa modulus")
            material = .rsa(try RSAPublicKey(modulus: modulus, exponent: exponent))
        default:
            throw SignatureFormatError("unsupported key type \(type) (supported: \(Self.supportedTypes.sorted().joined(separator: ", ")))")
        }
        try reader.expectEnd("\(type) key")
        self.type = type
        self.blob = blob
    }

    private static func parse<K>(_ type: String, _ body: () throws -> K) throws -> K {
        do { return try body() } catch { throw SignatureFormatError("\(type): not a valid public key (\(error))") }
    }

    /// `SHA256:<unpadded base64>` of the blob, as `ssh-keygen -l` prints it.
    public var fingerprint: String {
        "SHA256:" + Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// The key as a `.pub` line's first two fields.
    public var openSSHText: String { "\(type) \(Data(blob).base64EncodedString())" }

    /// Whether `signature` (an SSH signature blob: algorithm name, then the signature) is this
    /// key's signature of `data`. Throws when the blob is malformed or its algorithm does not
    /// belong to this key (e.g. the SHA-1 `ssh-rsa` signature, refused as too weak).
    public func isValidSignature(_ signature: [UInt8], for data: [UInt8]) throws -> Bool {
        var reader = SSHWireReader(signature)
        let algorithm = try reader.text(field: "signature algorithm")
        let raw = try reader.string(field: "signature")
        try reader.expectEnd("signature")
        switch material {
        case .ed25519(let key):
            try expect(algorithm, in: ["ssh-ed25519"])
            return key.isValidSignature(raw, for: data)
        case .p256(let key):
            try expect(algorithm, in: [type])
            return key.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: try Self.ecdsa(raw, size: 32)), for: data)
        case .p384(let key):
            try expect(algorithm, in: [type])
            return key.isValidSignature(try P384.Signing.ECDSASignature(rawRepresentation: try Self.ecdsa(raw, size: 48)), for: data)
        case .p521(let key):
            try expect(algorithm, in: [type])
            return key.isValidSignature(try P521.Signing.ECDSASignature(rawRepresentation: try Self.ecdsa(raw, size: 66)), for: data)
        case .rsa(let key):
            try expect(algorithm, in: ["rsa-sha2-256", "rsa-sha2-512"])
            return key.isValidSignature(raw, for: data, sha512: algorithm == "rsa-sha2-512")
        }
    }

    private func expect(_ algorithm: String, in allowed: [String]) throws {
        guard allowed.contains(algorithm) else {
            throw SignatureFormatError("a \(algorithm) signature cannot come from a \(type) key (expected \(allowed.joined(separator: " or ")))")
        }
    }

    /// An SSH ECDSA signature (`mpint r`, `mpint s`) as the fixed-width `r || s` swift-crypto reads.
    private static func ecdsa(_ raw: [UInt8], size: Int) throws -> [UInt8] {
        var reader = SSHWireReader(raw)
        let r = try reader.unsignedMPInt(field: "ecdsa r")
        let s = try reader.unsignedMPInt(field: "ecdsa s")
        try reader.expectEnd("ecdsa signature")
        guard r.count <= size, s.count <= size else { throw SignatureFormatError("ecdsa signature: r or s longer than the curve") }
        return [UInt8](repeating: 0, count: size - r.count) + r + [UInt8](repeating: 0, count: size - s.count) + s
    }

    public static func == (lhs: SSHPublicKey, rhs: SSHPublicKey) -> Bool { lhs.blob == rhs.blob }
    public func hash(into hasher: inout Hasher) { hasher.combine(blob) }
}
