import AeolusTesting
import Foundation
import Testing
@testable import GitKit

/// `Repository.signature(of:)` on commits the git command line signed with an SSH key: the
/// `gpgsig` text and the signed data libgit2 extracts are what `ssh-keygen -Y verify` accepts.
@Suite struct CommitSignatureTests {
    @Test func extractsWhatSSHKeygenVerifies() async throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-signature")
        defer { temp.remove() }
        let key = try await SigningKey.generate(at: temp.path("key"))
        let work = temp.path("work")
        try await Git.initRepository(at: work)
        let unsigned = try await Git.commit(in: work, files: ["a": "1\n"], message: "unsigned")
        let signed = try await Git.commit(in: work, files: ["a": "2\n"], message: "signed", signingKey: key)
        let repository = try await Repository.open(at: work)

        let none = try await repository.signature(of: try #require(ObjectID(hex: unsigned)))
        #expect(none.signature == nil)
        #expect(none.committerTime == Date(timeIntervalSince1970: 1_704_067_200), "GIT_COMMITTER_DATE of the fixtures")

        let extracted = try await repository.signature(of: try #require(ObjectID(hex: signed)))
        let signature = try #require(extracted.signature)
        #expect(signature.hasPrefix("-----BEGIN SSH SIGNATURE-----"))
        let data = String(decoding: extracted.signedData, as: UTF8.self)
        #expect(data.hasPrefix("tree ") && data.hasSuffix("\n\nsigned\n") && !data.contains("gpgsig"))

        // ssh-keygen, as git verify-commit runs it, accepts the pair.
        try signature.write(toFile: temp.path("commit.sig"), atomically: true, encoding: .utf8)
        try key.allowedSignersLine().write(toFile: temp.path("allowed"), atomically: true, encoding: .utf8)
        let verified = try await Subprocess.collect(SigningKey.executable, [
            "-Y", "verify", "-f", temp.path("allowed"), "-I", Git.authorEmail, "-n", "git", "-s", temp.path("commit.sig"),
        ], input: data)
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect(verified.standardOutput.contains(key.fingerprint))
    }

    @Test func anObjectThatIsNotACommitIsNotFound() async throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-signature-missing")
        defer { temp.remove() }
        let work = temp.path("work")
        try await Git.initRepository(at: work)
        try await Git.commit(in: work, files: ["a": "1\n"], message: "one")
        let repository = try await Repository.open(at: work)
        await #expect(throws: GitError.self) {
            try await repository.signature(of: ObjectID(hex: String(repeating: "ab", count: 20))!)
        }
    }
}
