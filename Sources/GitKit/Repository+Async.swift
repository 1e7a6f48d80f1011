import Foundation

/// Async forms of the network operations: each runs the blocking libgit2 call on a thread of
/// its own, never on Swift's cooperative pool. Cancelling the task does not interrupt the call.
extension Repository {
    /// Async `clone(url:to:bare:branch:credentials:)`.
    public static func clone(url: String, to path: String, bare: Bool = false, branch: String? = nil,
                             credentials: Credentials = .none) async throws -> Repository {
        try await BlockingCall.run {
            try Repository.clone(url: url, to: path, bare: bare, branch: branch, credentials: credentials)
        }
    }

    /// Async `fetch(remote:refspecs:prune:credentials:)`.
    public func fetch(remote: String = "origin", refspecs: [String] = [], prune: Bool = false,
                      credentials: Credentials = .none) async throws {
        try await BlockingCall.run {
            try self.fetch(remote: remote, refspecs: refspecs, prune: prune, credentials: credentials)
        }
    }

    /// Async `push(branch:to:force:credentials:)`.
    public func push(branch: String, to remote: String = "origin", force: Bool = false,
                     credentials: Credentials = .none) async throws {
        try await BlockingCall.run {
            try self.push(branch: branch, to: remote, force: force, credentials: credentials)
        }
    }
}
