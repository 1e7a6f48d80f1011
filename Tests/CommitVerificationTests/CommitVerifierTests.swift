@testable import CommitVerification
import Foundation
import Testing

/// The verifier on OpenSSH's own signatures (`Vectors`): every key type verifies; tampered data,
/// another namespace, an untrusted key, a key trusted only for other namespaces or times, and
/// signatures that are missing, OpenPGP or malformed are each refused with their reason.
@Suite struct CommitVerifierTests {
    static let message = Array(Vectors.message.utf8)
    static let committed = Date(timeIntervalSince1970: 1_700_000_000)

    static func verifier(_ lines: [String]) -> CommitVerifier {
        let keys = TrustedKeys(parsing: lines.joined(separator: "\n"), file: "trusted")
        #expect(keys.problems.isEmpty, "\(keys.problems)")
        return CommitVerifier(trustedKeys: keys)
    }

    @Test(arguments: Vectors.all.map(\.name))
    func everyKeyTypeVerifies(_ name: String) throws {
        let vector = try #require(Vectors.all.first { $0.name == name })
        let signature = try SSHSignature(armored: vector.signature)
        #expect(signature.namespace == "git")
        #expect(signature.publicKey.fingerprint == vector.fingerprint, "the fingerprint ssh-keygen -l prints")
        #expect(try signature.isValid(for: Self.message, namespace: "git"))
        #expect(try !signature.isValid(for: Self.message + [0x20], namespace: "git"), "one byte more")

        let result = Self.verifier(["dev@example.org " + vector.publicKey])
            .verify(signature: vector.signature, signedData: Self.message, committerTime: Self.committed)
        #expect(try result.get() == Signer(fingerprint: vector.fingerprint, type: signature.publicKey.type,
                                          principals: ["dev@example.org"], location: "trusted:1"))
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var trusted: [String]
        var signature: String?
        var data: String = Vectors.message
        var reason: SignatureRefusal.Reason
        var says: String
        var testDescription: String { name }
    }

    static let ed = Vectors.ed25519
    static let cases: [Case] = [
        Case(name: "unsigned", trusted: [ed.publicKey], signature: nil, reason: .unsigned, says: "head commit is not signed"),
        Case(name: "empty signature", trusted: [ed.publicKey], signature: "", reason: .unsigned, says: "not signed"),
        Case(name: "OpenPGP", trusted: [ed.publicKey],
             signature: "-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n",
             reason: .unsupportedSignature, says: "OpenPGP signature; only SSH signatures are verified"),
        Case(name: "tampered commit", trusted: [ed.publicKey], signature: ed.signature,
             data: Vectors.message.replacingOccurrences(of: "signed", with: "forged"),
             reason: .badSignature, says: "\(ed.fingerprint) does not verify"),
        Case(name: "namespace file", trusted: [ed.publicKey], signature: Vectors.ed25519InFileNamespace,
             reason: .badSignature, says: "namespace \"file\", not \"git\""),
        Case(name: "untrusted key", trusted: [Vectors.otherKey], signature: ed.signature,
             reason: .untrustedKey, says: "head commit is signed by untrusted key \(ed.fingerprint) (ssh-ed25519)"),
        Case(name: "no trusted key at all", trusted: [], signature: ed.signature, reason: .untrustedKey, says: "untrusted key"),
        Case(name: "trusted for other namespaces", trusted: ["a@x namespaces=\"file,!git\" " + ed.publicKey], signature: ed.signature,
             reason: .untrustedKey, says: "trusted:1 trusts it only for namespaces file,!git"),
        Case(name: "not yet valid", trusted: ["a@x valid-after=\"20300101\" " + ed.publicKey], signature: ed.signature,
             reason: .untrustedKey, says: "trusts it only from 2030-01-01T00:00:00Z"),
        Case(name: "no longer valid", trusted: ["a@x valid-before=\"20200101Z\" " + ed.publicKey], signature: ed.signature,
             reason: .untrustedKey, says: "trusts it only until 2020-01-01T00:00:00Z"),
        Case(name: "garbled base64", trusted: [ed.publicKey],
             signature: "-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n",
             reason: .badSignature, says: "cannot be read: the SSH signature's base64 does not decode"),
        Case(name: "not SSHSIG", trusted: [ed.publicKey],
             signature: "-----BEGIN SSH SIGNATURE-----\nAAAAAAAAAAAAAAAA\n-----END SSH SIGNATURE-----\n",
             reason: .badSignature, says: "does not start with SSHSIG"),
        Case(name: "cut short", trusted: [ed.publicKey],
             signature: "-----BEGIN SSH SIGNATURE-----\n" + String(ed.signature.split(separator: "\n")[1]) + "\n-----END SSH SIGNATURE-----\n",
             reason: .badSignature, says: "cannot be read"),
    ]

    @Test(arguments: cases)
    func refusals(_ c: Case) {
        let result = Self.verifier(c.trusted).verify(signature: c.signature, signedData: Array(c.data.utf8), committerTime: Self.committed)
        guard case .failure(let refusal) = result else {
            Issue.record("\(c.name): verified, expected \(c.reason)")
            return
        }
        #expect(refusal.reason == c.reason)
        #expect(refusal.message.contains(c.says), "\(refusal.message)")
    }

    /// A key trusted by several lines: the first line that allows the commit wins.
    @Test func anyLineTrustingTheKeyIsEnough() throws {
        let verifier = Self.verifier(["old@x valid-before=\"20200101\" " + Self.ed.publicKey, "new@x " + Self.ed.publicKey])
        let signer = try verifier.verify(signature: Self.ed.signature, signedData: Self.message, committerTime: Self.committed).get()
        #expect(signer.principals == ["new@x"] && signer.location == "trusted:2")
    }

    /// A signature whose embedded key says one type and whose signature blob another is malformed.
    @Test func signatureAlgorithmMustMatchTheKey() throws {
        let ecdsa = try SSHSignature(armored: Vectors.ecdsaP256.signature)
        let ed = try SSHSignature(armored: Self.ed.signature)
        #expect(throws: SignatureFormatError.self) { try ed.publicKey.isValidSignature(ecdsa.signature, for: Self.message) }
    }
}
