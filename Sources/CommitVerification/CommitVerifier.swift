import Foundation

/// Decides whether a commit's signature comes from a trusted key, as `git verify-commit` does with
/// `gpg.format=ssh` and `gpg.ssh.allowedSignersFile`: an SSH signature (namespace `git`) over the
/// commit without its `gpgsig` header, by a key the trusted keys list for that namespace and time.
/// Pure: the caller reads the signature from the repository (`GitKit`).
public struct CommitVerifier: Sendable {
    /// The keys trusted to sign.
    public let trustedKeys: TrustedKeys

    /// The namespace git signs commits in.
    public static let namespace = "git"

    /// A verifier trusting `trustedKeys`.
    public init(trustedKeys: TrustedKeys) {
        self.trustedKeys = trustedKeys
    }

    /// The verdict on a commit whose `gpgsig` header is `signature` (nil: unsigned), over
    /// `signedData` (the commit without that header), committed at `committerTime`.
    public func verify(signature: String?, signedData: [UInt8], committerTime: Date) -> Result<Signer, SignatureRefusal> {
        guard let signature, !signature.isEmpty else {
            return .failure(SignatureRefusal(.unsigned, "head commit is not signed"))
        }
        guard SSHSignature.isArmored(signature) else {
            let kind = signature.contains("BEGIN PGP SIGNATURE") ? "an OpenPGP" : signature.contains("BEGIN SIGNED MESSAGE") ? "an X.509" : "an unknown"
            return .failure(SignatureRefusal(.unsupportedSignature, "head commit has \(kind) signature; only SSH signatures are verified"))
        }
        let parsed: SSHSignature
        do {
            parsed = try SSHSignature(armored: signature)
        } catch {
            return .failure(SignatureRefusal(.badSignature, "head commit's SSH signature cannot be read: \(error)"))
        }
        let key = parsed.publicKey
        guard parsed.namespace == Self.namespace else {
            return .failure(SignatureRefusal(.badSignature, "head commit's signature by \(key.fingerprint) was made for namespace \"\(parsed.namespace)\", not \"\(Self.namespace)\"", key: key.fingerprint))
        }
        do {
            guard try parsed.isValid(for: signedData, namespace: Self.namespace) else {
                return .failure(SignatureRefusal(.badSignature, "head commit's signature by \(key.fingerprint) does not verify (the commit is not what was signed)", key: key.fingerprint))
            }
        } catch {
            return .failure(SignatureRefusal(.badSignature, "head commit's signature by \(key.fingerprint) cannot be checked: \(error)", key: key.fingerprint))
        }
        let entries = trustedKeys.entries(for: key)
        guard !entries.isEmpty else {
            return .failure(SignatureRefusal(.untrustedKey, "head commit is signed by untrusted key \(key.fingerprint) (\(key.type))", key: key.fingerprint))
        }
        var limits: [String] = []
        for entry in entries {
            if !entry.allows(namespace: Self.namespace) {
                limits.append("\(entry.location) trusts it only for namespaces \(entry.namespaces?.joined(separator: ",") ?? "")")
            } else if let after = entry.validAfter, committerTime < after {
                limits.append("\(entry.location) trusts it only from \(Self.format(after)), the commit is from \(Self.format(committerTime))")
            } else if let before = entry.validBefore, committerTime > before {
                limits.append("\(entry.location) trusts it only until \(Self.format(before)), the commit is from \(Self.format(committerTime))")
            } else {
                return .success(Signer(fingerprint: key.fingerprint, type: key.type, principals: entry.principals, location: entry.location))
            }
        }
        return .failure(SignatureRefusal(.untrustedKey, "head commit is signed by key \(key.fingerprint), not trusted for this commit: \(limits.joined(separator: "; "))", key: key.fingerprint))
    }

    private static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// Who signed a commit that verified.
public struct Signer: Sendable, Hashable, CustomStringConvertible {
    /// `SHA256:...` of the key.
    public var fingerprint: String
    /// The key type.
    public var type: String
    /// The principals its trusted-keys line names (empty for a plain key line).
    public var principals: [String]
    /// The trusted-keys line that trusts it (`file:line`).
    public var location: String

    public var description: String {
        principals.isEmpty ? "\(fingerprint) (\(type))" : "\(principals.joined(separator: ",")) \(fingerprint) (\(type))"
    }
}

/// Why a commit is not trusted: a reason (a metric label) and a message for people.
public struct SignatureRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The classes of refusal (the `reason` label of the refused-revisions counter).
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        /// No signature.
        case unsigned
        /// OpenPGP or X.509: not verified.
        case unsupportedSignature = "unsupported_signature"
        /// Malformed, made for another namespace, or not matching the commit.
        case badSignature = "bad_signature"
        /// A valid signature by a key not trusted (at all, or for this namespace or time).
        case untrustedKey = "untrusted_key"
    }

    /// The class.
    public var reason: Reason
    /// What is wrong, e.g. `head commit is not signed`.
    public var message: String
    /// The signing key's fingerprint, when there is a signature to read it from.
    public var key: String?

    /// A refusal.
    public init(_ reason: Reason, _ message: String, key: String? = nil) {
        self.reason = reason
        self.message = message
        self.key = key
    }

    public var description: String { message }
}
