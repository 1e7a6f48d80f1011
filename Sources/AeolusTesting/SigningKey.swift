import Foundation

/// An SSH key pair made by `ssh-keygen` (openssh-client) for signing commits in tests, as people
/// sign them: `git -c gpg.format=ssh -c user.signingkey=KEY commit -S`.
public struct SigningKey: Sendable {
    /// The private key file (mode 0600, no passphrase).
    public let privateKeyPath: String
    /// The `.pub` line (`ssh-ed25519 AAAA... comment`).
    public let publicKey: String
    /// `SHA256:...`, as `ssh-keygen -l` prints it.
    public let fingerprint: String

    /// The public key file.
    public var publicKeyPath: String { privateKeyPath + ".pub" }

    /// Path of `ssh-keygen`.
    public static let executable = "/usr/bin/ssh-keygen"

    /// Makes a new `type` key (`ed25519`, `ecdsa`, `rsa`) at `path` (and `path.pub`), commented `comment`.
    public static func generate(at path: String, type: String = "ed25519", comment: String = "test@aeolus.invalid") async throws -> SigningKey {
        try await offThePool {
            try Subprocess.run(executable, ["-q", "-t", type, "-N", "", "-C", comment, "-f", path])
            let publicKey = try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let listed = try Subprocess.run(executable, ["-l", "-f", path + ".pub"]).standardOutput
            let fields = listed.split(separator: " ")
            guard fields.count >= 2 else { throw SigningKeyError(message: "ssh-keygen -l printed \(listed)") }
            return SigningKey(privateKeyPath: path, publicKey: publicKey, fingerprint: String(fields[1]))
        }
    }

    /// The `git -c` arguments that make `commit -S` sign with this key.
    public var gitArguments: [String] { ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(privateKeyPath)"] }

    /// A line of git's allowed_signers format trusting this key for `principal`.
    public func allowedSignersLine(principal: String = Git.authorEmail) -> String { "\(principal) \(publicKey)" }
}

/// `ssh-keygen` did not answer as expected.
public struct SigningKeyError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    public var description: String { message }
}
