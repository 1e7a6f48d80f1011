import CGit2
import Foundation

extension Repository {
    /// Writes a commit on `branch` that applies `changes` to the parent's tree, without touching
    /// any working tree or on-disk index (the tree is built in an in-memory index).
    ///
    /// The parent is `parent` when given (the branch is then moved to the new commit whatever it
    /// pointed at: "re-apply on top of the fetched remote branch"), else the branch's tip; a branch
    /// that does not exist yet is created, with a root commit. Without `parent` the branch is only
    /// moved if nobody else moved it meanwhile. A working tree, if the repository has one, is not
    /// updated: use a bare repository (or a branch that is not checked out).
    ///
    /// - Returns: the new commit, or nil when the resulting tree equals the parent's (nothing
    ///   changed; no commit is written and the branch is left as it is).
    @discardableResult
    public func commit(onto branch: String, parent: ObjectID? = nil, changes: [String: FileChange],
                       message: String, author: Signature, committer: Signature? = nil) throws -> ObjectID? {
        for path in changes.keys { try Self.validate(path: path) }
        return try withHandle { repository in
            let reference = Self.branchReference(branch)
            let tip = try branchTip(reference)
            let base = parent ?? tip

            var index: OpaquePointer?
            try check("git_index_new", git_index_new(&index))
            defer { git_index_free(index) }

            var baseCommit: OpaquePointer?
            defer { git_commit_free(baseCommit) }
            var baseTree: git_oid?
            if let base {
                var oid = base.oid
                try check("git_commit_lookup", git_commit_lookup(&baseCommit, repository, &oid))
                var tree: OpaquePointer?
                try check("git_commit_tree", git_commit_tree(&tree, baseCommit))
                defer { git_tree_free(tree) }
                try check("git_index_read_tree", git_index_read_tree(index, tree))
                baseTree = git_tree_id(tree).pointee
            }

            for (path, change) in changes.sorted(by: { $0.key < $1.key }) {
                try Self.apply(change, at: path, to: index!, repository: repository)
            }

            var treeID = git_oid()
            try check("git_index_write_tree_to", git_index_write_tree_to(&treeID, index, repository))
            if var baseTree, git_oid_equal(&baseTree, &treeID) != 0 { return nil }
            if base == nil && git_index_entrycount(index) == 0 { return nil }

            var tree: OpaquePointer?
            try check("git_tree_lookup", git_tree_lookup(&tree, repository, &treeID))
            defer { git_tree_free(tree) }

            var commitID = git_oid()
            try author.withGitSignature { authorSignature in
                try (committer ?? author).withGitSignature { committerSignature in
                    var parents: [OpaquePointer?] = baseCommit.map { [$0] } ?? []
                    try check("git_commit_create",
                              git_commit_create(&commitID, repository, nil, authorSignature, committerSignature, nil,
                                                message, tree, parents.count, &parents))
                }
            }

            var newReference: OpaquePointer?
            let logMessage = "aeolus: " + (message.split(separator: "\n").first.map(String.init) ?? "commit")
            if parent == nil, var current = tip?.oid {
                try check("git_reference_create_matching",
                          git_reference_create_matching(&newReference, repository, reference, &commitID, 1, &current, logMessage))
            } else {
                try check("git_reference_create",
                          git_reference_create(&newReference, repository, reference, &commitID, parent == nil ? 0 : 1, logMessage))
            }
            git_reference_free(newReference)
            return ObjectID(commitID)
        }
    }

    /// Writes or removes one path in the in-memory index.
    private static func apply(_ change: FileChange, at path: String, to index: OpaquePointer, repository: OpaquePointer) throws {
        switch change {
        case .write(let data):
            var blobID = git_oid()
            try check("git_blob_create_from_buffer", data.withUnsafeBytes { bytes in
                git_blob_create_from_buffer(&blobID, repository, bytes.baseAddress, bytes.count)
            })
            var entry = git_index_entry()
            entry.mode = git_index_get_bypath(index, path, 0)?.pointee.mode ?? GIT_FILEMODE_BLOB.rawValue
            entry.id = blobID
            entry.file_size = UInt32(truncatingIfNeeded: data.count)
            try path.withCString { cPath in
                entry.path = cPath
                try check("git_index_add", git_index_add(index, &entry))
            }
        case .delete:
            if git_index_get_bypath(index, path, 0) != nil {
                try check("git_index_remove", git_index_remove(index, path, 0))
            } else {
                try check("git_index_remove_directory", git_index_remove_directory(index, path, 0))
            }
        }
    }

    /// A repository-relative path: no leading or trailing `/`, no empty, `.`, `..` or `.git` parts.
    static func validate(path: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let bad = path.isEmpty || parts.contains { $0.isEmpty || $0 == "." || $0 == ".." || $0 == ".git" }
            || path.utf8.contains(0)
        if bad {
            throw GitError(kind: .invalidArgument, call: "Repository.commit",
                           message: "invalid path '\(path)': expected a relative path like 'dir/file.yaml' without '.', '..', '.git' or empty parts")
        }
    }
}
