import Foundation
import ProcessKit

/// Async forms of the libgit2 calls async code makes: each runs the blocking call on a thread of
/// its own (`DedicatedThread`), never on Swift's cooperative pool — a fetch waits on the network,
/// and reading a large tree or writing a commit of thousands of files takes as long as a syscall
/// storm. Async code calls these (Swift picks them there); synchronous code already on its own
/// thread calls the blocking forms. Cancelling the task does not interrupt the call.
extension Repository {
    /// Async `open(at:)`.
    public static func open(at path: String) async throws -> Repository {
        try await DedicatedThread.run("GitKit open") { try Repository.open(at: path) }
    }

    /// Async `resolve(_:)`.
    public func resolve(_ revision: String) async throws -> ObjectID {
        try await DedicatedThread.run("GitKit resolve") { try self.resolve(revision) }
    }

    /// Async `snapshot(at:)`.
    public func snapshot(at commit: ObjectID) async throws -> TreeSnapshot {
        try await DedicatedThread.run("GitKit snapshot") { try self.snapshot(at: commit) }
    }

    /// Async `commit(onto:parent:changes:message:author:committer:)`.
    @discardableResult
    public func commit(onto branch: String, parent: ObjectID? = nil, changes: [String: FileChange],
                       message: String, author: Signature, committer: Signature? = nil) async throws -> ObjectID? {
        try await DedicatedThread.run("GitKit commit") {
            try self.commit(onto: branch, parent: parent, changes: changes, message: message, author: author, committer: committer)
        }
    }

    /// Async `clone(url:to:bare:branch:credentials:)`.
    public static func clone(url: String, to path: String, bare: Bool = false, branch: String? = nil,
                             credentials: Credentials = .none) async throws -> Repository {
        try await DedicatedThread.run("GitKit clone") {
            try Repository.clone(url: url, to: path, bare: bare, branch: branch, credentials: credentials)
        }
    }

    /// Async `fetch(remote:refspecs:prune:credentials:)`.
    public func fetch(remote: String = "origin", refspecs: [String] = [], prune: Bool = false,
                      credentials: Credentials = .none) async throws {
        try await DedicatedThread.run("GitKit fetch") {
            try self.fetch(remote: remote, refspecs: refspecs, prune: prune, credentials: credentials)
        }
    }

    /// Async `push(branch:to:force:credentials:)`.
    public func push(branch: String, to remote: String = "origin", force: Bool = false,
                     credentials: Credentials = .none) async throws {
        try await DedicatedThread.run("GitKit push") {
            try self.push(branch: branch, to: remote, force: force, credentials: credentials)
        }
    }
}
