import CGit2
import Foundation

/// A git repository on disk, opened through libgit2: resolve revisions, read trees, write commits
/// without a working tree, and talk to remotes (see the extensions).
///
/// `@unchecked Sendable`: libgit2 forbids using one `git_repository` from two threads at once;
/// every use of `handle` goes through `lock` (recursive, so methods may call each other).
public final class Repository: @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSRecursiveLock()

    /// The `.git` directory (the repository itself for a bare repository), ending in `/`.
    public let gitDirectory: String
    /// The working tree, nil for a bare repository.
    public let workingDirectory: String?

    init(handle: OpaquePointer) {
        self.handle = handle
        gitDirectory = String(cString: git_repository_path(handle))
        workingDirectory = git_repository_workdir(handle).map { String(cString: $0) }
    }

    deinit {
        git_repository_free(handle)
    }

    /// True for a repository without a working tree.
    public var isBare: Bool { workingDirectory == nil }

    /// Runs `body` with the libgit2 handle while holding the repository's lock.
    func withHandle<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(handle)
    }

    /// Runs `body` with the libgit2 handles of the repository and of `commit`, holding the lock.
    func withCommit<R>(_ commit: ObjectID, _ body: (_ repository: OpaquePointer, _ commit: OpaquePointer) throws -> R) throws -> R {
        try withHandle { repository in
            var oid = commit.oid
            var commitHandle: OpaquePointer?
            try check("git_commit_lookup", git_commit_lookup(&commitHandle, repository, &oid))
            defer { git_commit_free(commitHandle) }
            return try body(repository, commitHandle!)
        }
    }

    /// The time of an author or committer signature (1970 when there is none).
    static func time(_ signature: UnsafePointer<git_signature>?) -> Date {
        signature.map { Date(timeIntervalSince1970: TimeInterval($0.pointee.when.time)) } ?? Date(timeIntervalSince1970: 0)
    }

    /// Creates a repository at `path` (and any missing parent folders), whose unborn HEAD points
    /// at `initialBranch`.
    public static func create(at path: String, bare: Bool = false, initialBranch: String = "main") throws -> Repository {
        GitLibrary.ensureInitialized()
        var options = git_repository_init_options()
        try check("git_repository_init_options_init",
                  git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)))
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | (bare ? GIT_REPOSITORY_INIT_BARE.rawValue : 0)
        var repository: OpaquePointer?
        let code = initialBranch.withCString { head in
            options.initial_head = head
            return git_repository_init_ext(&repository, path, &options)
        }
        try check("git_repository_init_ext", code)
        return Repository(handle: repository!)
    }

    /// Opens the repository at `path` (a working tree, its `.git`, or a bare repository).
    public static func open(at path: String) throws -> Repository {
        GitLibrary.ensureInitialized()
        var repository: OpaquePointer?
        try check("git_repository_open", git_repository_open(&repository, path))
        return Repository(handle: repository!)
    }

    /// The commit a revision names: a branch (`main`), a full reference
    /// (`refs/remotes/origin/main`), a tag, a full or short sha, or an expression (`HEAD~1`).
    public func resolve(_ revision: String) throws -> ObjectID {
        try withHandle { repository in
            var object: OpaquePointer?
            try check("git_revparse_single", git_revparse_single(&object, repository, revision))
            defer { git_object_free(object) }
            var commit: OpaquePointer?
            try check("git_object_peel", git_object_peel(&commit, object, GIT_OBJECT_COMMIT))
            defer { git_object_free(commit) }
            return ObjectID(git_object_id(commit))
        }
    }

    /// The commit a branch (`status` or `refs/heads/status`) points at, nil when it does not exist.
    public func branchTip(_ branch: String) throws -> ObjectID? {
        try withHandle { repository in
            var oid = git_oid()
            let code = git_reference_name_to_id(&oid, repository, Self.branchReference(branch))
            if code == GIT_ENOTFOUND.rawValue { return nil }
            try check("git_reference_name_to_id", code)
            return ObjectID(oid)
        }
    }

    /// Points a branch at `commit`, creating it or moving it (also backwards).
    public func setBranch(_ branch: String, to commit: ObjectID) throws {
        try withHandle { repository in
            var oid = commit.oid
            var reference: OpaquePointer?
            try check("git_reference_create",
                      git_reference_create(&reference, repository, Self.branchReference(branch), &oid, 1, "aeolus: set branch"))
            git_reference_free(reference)
        }
    }

    /// Adds a remote named `name` fetching `+refs/heads/*:refs/remotes/<name>/*`.
    public func addRemote(_ name: String, url: String) throws {
        try withHandle { repository in
            var remote: OpaquePointer?
            try check("git_remote_create", git_remote_create(&remote, repository, name, url))
            git_remote_free(remote)
        }
    }

    /// `refs/heads/<name>` unless `name` is already a full reference.
    static func branchReference(_ name: String) -> String {
        name.hasPrefix("refs/") ? name : "refs/heads/" + name
    }
}
