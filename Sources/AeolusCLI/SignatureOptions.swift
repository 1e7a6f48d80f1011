import ArgumentParser
import CommitVerification
import Foundation
import Logging
import ServiceKit

/// Signed commits (`aeolus dictator`): `--verify-signatures` with `--trusted-keys FILE`.
struct SignatureOptions: ParsableArguments {
    @Flag(name: .customLong("verify-signatures"), help: ArgumentHelp(
        "Apply a revision only when its head commit carries an SSH signature by a key of --trusted-keys.",
        discussion: "A revision whose head commit is unsigned, signed with OpenPGP, or signed by another key is "
            + "not applied: the revision applied before stays live, and the status says why."))
    var verifySignatures = false

    @Option(name: .customLong("trusted-keys"), help: ArgumentHelp(
        "With --verify-signatures: the keys trusted to sign, in git's allowed_signers format or as .pub lines.",
        valueName: "file"))
    var trustedKeys: String?

    func validate() throws {
        if verifySignatures && trustedKeys == nil { throw ValidationError("--verify-signatures needs --trusted-keys FILE") }
        if !verifySignatures && trustedKeys != nil { throw ValidationError("--trusted-keys needs --verify-signatures") }
    }

    /// The verifier, or nil without `--verify-signatures`. Reads the file now: one that cannot be
    /// read or holds no usable key throws naming it; each bad line is logged with file:line and
    /// skipped.
    func verifier(logger: Logger) throws -> CommitVerifier? {
        guard verifySignatures, let path = trustedKeys else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw FileAccessError(purpose: "--trusted-keys", path: path, cause: error)
        }
        let keys = TrustedKeys(parsing: text, file: path)
        for problem in keys.problems {
            logger.error("--trusted-keys: line skipped", metadata: ["problem": "\(problem)"])
        }
        guard !keys.entries.isEmpty else {
            throw ValidationError("--trusted-keys \(path) holds no usable key"
                + keys.problems.map { "\n  \($0)" }.joined())
        }
        logger.info("commits must be signed", metadata: [
            "trusted_keys": "\(path)", "keys": "\(keys.entries.count)",
            "fingerprints": "\(keys.entries.map(\.key.fingerprint))"])
        return CommitVerifier(trustedKeys: keys)
    }
}
