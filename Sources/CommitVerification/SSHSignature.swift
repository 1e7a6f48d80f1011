import Crypto
import Foundation

/// A signature in OpenSSH's `SSHSIG` format (PROTOCOL.sshsig), as `ssh-keygen -Y sign` and git
/// (`gpg.format=ssh`) write it: the signer's public key, the namespace (`git` for commits), the
/// hash algorithm and the signature over the signed-data blob.
public struct SSHSignature: Sendable, Hashable {
    /// The key that made it (as embedded: whether to trust it is the caller's decision).
    public let publicKey: SSHPublicKey
    /// The namespace it was made for (`git`, `file`, ...).
    public let namespace: String
    /// `sha256` or `sha512`.
    public let hashAlgorithm: String
    /// The SSH signature blob (algorithm name and signature).
    let signature: [UInt8]

    /// The armour lines around the base64 blob.
    static let begin = "-----BEGIN SSH SIGNATURE-----"
    static let end = "-----END SSH SIGNATURE-----"
    private static let magic = Array("SSHSIG".utf8)

    /// Whether `text` is an armoured SSH signature (rather than OpenPGP or X.509).
    public static func isArmored(_ text: String) -> Bool {
        text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(begin)
    }

    /// Reads an armoured signature (`-----BEGIN SSH SIGNATURE-----` ... `-----END SSH SIGNATURE-----`).
    public init(armored text: String) throws {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.first == Self.begin, lines.last == Self.end, lines.count >= 3 else {
            throw SignatureFormatError("not an armoured SSH signature (\(Self.begin) ... \(Self.end))")
        }
        guard let blob = Data(base64Encoded: lines.dropFirst().dropLast().joined()) else {
            throw SignatureFormatError("the SSH signature's base64 does not decode")
        }
        try self.init(blob: Array(blob))
    }

    /// Reads a signature blob.
    public init(blob: [UInt8]) throws {
        var reader = SSHWireReader(blob)
        guard try reader.bytes(6, field: "magic") == Self.magic else { throw SignatureFormatError("the signature does not start with SSHSIG") }
        let version = try reader.uint32(field: "version")
        guard version == 1 else { throw SignatureFormatError("SSHSIG version \(version) is not supported (1 is)") }
        publicKey = try SSHPublicKey(blob: try reader.string(field: "public key"))
        namespace = try reader.text(field: "namespace")
        _ = try reader.string(field: "reserved")
        hashAlgorithm = try reader.text(field: "hash algorithm")
        guard ["sha256", "sha512"].contains(hashAlgorithm) else {
            throw SignatureFormatError("hash algorithm \(hashAlgorithm) is not supported (sha256, sha512 are)")
        }
        signature = try reader.string(field: "signature")
        try reader.expectEnd("SSHSIG")
    }

    /// Whether this is a valid signature of `message` in `namespace` by the embedded key. A
    /// signature made for another namespace is not valid (it was made for another purpose: a
    /// file signature cannot pass as a commit's). Throws when the signature blob is malformed.
    public func isValid(for message: [UInt8], namespace expected: String) throws -> Bool {
        guard namespace == expected else { return false }
        return try publicKey.isValidSignature(signature, for: signedData(message))
    }

    /// The blob the signature covers: magic, namespace, reserved, hash algorithm, H(message).
    func signedData(_ message: [UInt8]) -> [UInt8] {
        var writer = SSHWireWriter()
        writer.raw(Self.magic)
        writer.string(Array(namespace.utf8))
        writer.string([UInt8]())
        writer.string(Array(hashAlgorithm.utf8))
        writer.string(hashAlgorithm == "sha256" ? Array(SHA256.hash(data: message)) : Array(SHA512.hash(data: message)))
        return writer.bytes
    }
}
