import CGit2
import Foundation
import ProcessKit

extension Repository {
    /// The signature of `commit` (`gpgsig`) and the data it signs, through
    /// `git_commit_extract_signature`; `signature` is nil for an unsigned commit.
    public func signature(of commit: ObjectID) throws -> CommitSignature {
        try withCommit(commit) { repository, commitHandle in
            var oid = commit.oid
            let committerTime = Self.time(git_commit_committer(commitHandle))

            var signature = git_buf()
            var signedData = git_buf()
            defer {
                git_buf_dispose(&signature)
                git_buf_dispose(&signedData)
            }
            let code = git_commit_extract_signature(&signature, &signedData, repository, &oid, nil)
            if code == GIT_ENOTFOUND.rawValue {
                // The commit exists (looked up above): it has no gpgsig header.
                return CommitSignature(commit: commit, signature: nil, signedData: [], committerTime: committerTime)
            }
            try check("git_commit_extract_signature", code)
            return CommitSignature(commit: commit, signature: Self.text(signature), signedData: Self.bytes(signedData),
                                   committerTime: committerTime)
        }
    }

    /// Async `signature(of:)`: libgit2 runs on a thread of its own, never on the cooperative pool.
    public func signature(of commit: ObjectID) async throws -> CommitSignature {
        try await DedicatedThread.run("GitKit signature") { try self.signature(of: commit) }
    }

    private static func bytes(_ buffer: git_buf) -> [UInt8] {
        guard let pointer = buffer.ptr, buffer.size > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: buffer.size) { Array(UnsafeBufferPointer(start: $0, count: buffer.size)) }
    }

    private static func text(_ buffer: git_buf) -> String {
        String(decoding: bytes(buffer), as: UTF8.self)
    }
}
