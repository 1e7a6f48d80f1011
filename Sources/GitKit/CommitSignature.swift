import Foundation

/// A commit's signature as git stores it: the `gpgsig` header's text and the bytes it signs
/// (the commit object without that header). A value: no libgit2 state is kept.
public struct CommitSignature: Sendable, Equatable {
    /// The commit.
    public var commit: ObjectID
    /// The `gpgsig` header's armoured text; nil when the commit is not signed.
    public var signature: String?
    /// What the signature covers: the raw commit without its `gpgsig` header (empty when unsigned).
    public var signedData: [UInt8]
    /// The committer's time (what `valid-after` / `valid-before` of trusted keys compare with).
    public var committerTime: Date

    /// Builds a signature from its parts.
    public init(commit: ObjectID, signature: String?, signedData: [UInt8], committerTime: Date) {
        self.commit = commit
        self.signature = signature
        self.signedData = signedData
        self.committerTime = committerTime
    }
}
