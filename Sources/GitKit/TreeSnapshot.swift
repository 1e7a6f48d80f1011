import Foundation

/// The whole tree of one commit read into memory: every regular file's bytes by path, plus the
/// commit's id, message and author time. A value: no libgit2 state is kept.
///
/// Paths are relative to the repository root and use `/` (`templates/tcp/template.yaml`).
/// Symbolic links and submodules are not included.
public struct TreeSnapshot: Sendable, Equatable {
    /// The commit the tree belongs to.
    public var commit: ObjectID
    /// The commit's full message.
    public var message: String
    /// When the commit was authored.
    public var authorTime: Date
    /// File contents by path.
    public var files: [String: Data]

    /// Builds a snapshot from its parts.
    public init(commit: ObjectID, message: String, authorTime: Date, files: [String: Data]) {
        self.commit = commit
        self.message = message
        self.authorTime = authorTime
        self.files = files
    }

    /// The bytes at `path`, nil when there is no such file.
    public subscript(path: String) -> Data? { files[path] }

    /// The file at `path` decoded as UTF-8, nil when absent or not UTF-8.
    public func text(at path: String) -> String? {
        files[path].flatMap { String(data: $0, encoding: .utf8) }
    }

    /// Sorted paths of the files under the directory `prefix` (`"templates"` or `"templates/"`),
    /// at any depth; all paths for `""`.
    public func paths(under prefix: String) -> [String] {
        var directory = prefix
        while directory.hasSuffix("/") { directory.removeLast() }
        if directory.isEmpty { return files.keys.sorted() }
        let start = directory + "/"
        return files.keys.filter { $0.hasPrefix(start) }.sorted()
    }
}
