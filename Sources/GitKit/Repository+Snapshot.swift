import CGit2
import Foundation

extension Repository {
    /// Reads the whole tree of `commit` into memory.
    public func snapshot(at commit: ObjectID) throws -> TreeSnapshot {
        try withCommit(commit) { repository, commitHandle in
            var tree: OpaquePointer?
            try check("git_commit_tree", git_commit_tree(&tree, commitHandle))
            defer { git_tree_free(tree) }

            var files: [String: Data] = [:]
            try Self.readTree(tree!, prefix: "", repository: repository, into: &files)
            let message = git_commit_message(commitHandle).map { String(cString: $0) } ?? ""
            return TreeSnapshot(commit: commit, message: message, authorTime: Self.time(git_commit_author(commitHandle)), files: files)
        }
    }

    /// Reads the whole tree of the commit `revision` names (see `resolve(_:)`).
    public func snapshot(at revision: String) throws -> TreeSnapshot {
        try snapshot(at: resolve(revision))
    }

    /// Adds every regular file of `tree` (recursively) to `files`, paths prefixed by `prefix`.
    private static func readTree(_ tree: OpaquePointer, prefix: String, repository: OpaquePointer,
                                 into files: inout [String: Data]) throws {
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let path = prefix + String(cString: git_tree_entry_name(entry))
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_TREE:
                var subtree: OpaquePointer?
                try check("git_tree_lookup", git_tree_lookup(&subtree, repository, git_tree_entry_id(entry)))
                defer { git_tree_free(subtree) }
                try readTree(subtree!, prefix: path + "/", repository: repository, into: &files)
            case GIT_OBJECT_BLOB where git_tree_entry_filemode(entry) != GIT_FILEMODE_LINK:
                var blob: OpaquePointer?
                try check("git_blob_lookup", git_blob_lookup(&blob, repository, git_tree_entry_id(entry)))
                defer { git_blob_free(blob) }
                let size = Int(git_blob_rawsize(blob))
                files[path] = size == 0 ? Data() : Data(bytes: git_blob_rawcontent(blob), count: size)
            default:
                continue // symbolic links and submodules
            }
        }
    }
}
