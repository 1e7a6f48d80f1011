import Crypto
import _CryptoExtras

/// An RSA public key checking PKCS #1 v1.5 signatures over SHA-256 or SHA-512, as SSH's
/// `rsa-sha2-256` and `rsa-sha2-512` make them. Keys under 2048 bits are refused.
struct RSAPublicKey: Sendable {
    private let key: _RSA.Signing.PublicKey

    /// The key with `modulus` (n) and `exponent` (e), big-endian.
    init(modulus: [UInt8], exponent: [UInt8]) throws {
        guard modulus.count * 8 >= 2048 else {
            throw SignatureFormatError("ssh-rsa: a \(modulus.count * 8)-bit key is too short (2048 bits at least)")
        }
        do {
            key = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
        } catch {
            throw SignatureFormatError("ssh-rsa: not a valid public key (\(error))")
        }
    }

    /// Whether `signature` is a PKCS #1 v1.5 signature of `data` hashed with SHA-512 (else SHA-256).
    func isValidSignature(_ signature: [UInt8], for data: [UInt8], sha512: Bool) -> Bool {
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signature)
        return sha512
            ? key.isValidSignature(signature, for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
            : key.isValidSignature(signature, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
    }
}
