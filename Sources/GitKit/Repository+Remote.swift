import CGit2
import Foundation

extension Repository {
    /// Clones `url` into `path` (file://, git://, https:// or ssh), checking out the remote's
    /// default branch (or `branch`) unless `bare`.
    public static func clone(url: String, to path: String, bare: Bool = false, branch: String? = nil,
                             credentials: Credentials = .none) throws -> Repository {
        GitLibrary.ensureInitialized()
        var options = git_clone_options()
        try check("git_clone_options_init", git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION)))
        options.bare = bare ? 1 : 0
        var repository: OpaquePointer?
        try withRemoteCallbacks(call: "git_clone", url: url, credentials: credentials) { callbacks, _ in
            options.fetch_opts.callbacks = callbacks
            return withOptionalCString(branch) { branch in
                options.checkout_branch = branch
                return git_clone(&repository, url, path, &options)
            }
        }
        return Repository(handle: repository!)
    }

    /// Fetches from `remote` (its configured refspecs, or `refspecs`), updating the
    /// remote-tracking references such as `refs/remotes/origin/main`. `prune` removes
    /// remote-tracking references whose branch is gone on the remote.
    public func fetch(remote: String = "origin", refspecs: [String] = [], prune: Bool = false,
                      credentials: Credentials = .none) throws {
        try withRemote(remote) { remoteHandle, url in
            var options = git_fetch_options()
            try check("git_fetch_options_init", git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)))
            options.prune = prune ? GIT_FETCH_PRUNE : GIT_FETCH_PRUNE_UNSPECIFIED
            try Self.withRemoteCallbacks(call: "git_remote_fetch", url: url, credentials: credentials) { callbacks, _ in
                options.callbacks = callbacks
                return withStringArray(refspecs) { array in
                    git_remote_fetch(remoteHandle, refspecs.isEmpty ? nil : array, &options, nil)
                }
            }
        }
    }

    /// Pushes the local `branch` to the branch of the same name on `remote`.
    ///
    /// Throws `GitError` of kind `.nonFastForward` when the remote branch has commits the local
    /// one lacks (fetch, re-apply on top, push again), `.pushRejected` when the remote refused
    /// the update for another reason. `force` overwrites the remote branch.
    public func push(branch: String, to remote: String = "origin", force: Bool = false,
                     credentials: Credentials = .none) throws {
        let reference = Self.branchReference(branch)
        let refspec = (force ? "+" : "") + reference + ":" + reference
        try withRemote(remote) { remoteHandle, url in
            var options = git_push_options()
            try check("git_push_options_init", git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)))
            try Self.withRemoteCallbacks(call: "git_remote_push", url: url, credentials: credentials) { callbacks, context in
                options.callbacks = callbacks
                let code = withStringArray([refspec]) { array in git_remote_push(remoteHandle, array, &options) }
                if code >= 0, let rejection = context.rejections.first {
                    // receive-pack's wording when it refuses a non-fast-forward update itself (libgit2
                    // usually catches that earlier with GIT_ENONFASTFORWARD; this is the race case).
                    let nonFastForward = ["non-fast-forward", "fetch first"].contains { rejection.status.contains($0) }
                    context.failure = GitError(kind: nonFastForward ? .nonFastForward : .pushRejected, call: "push_update_reference",
                                               message: "the remote rejected \(rejection.reference): \(rejection.status)")
                    return GIT_ERROR.rawValue
                }
                return code
            }
        }
    }

    /// Runs `body` with the named remote and its URL, holding the repository lock.
    private func withRemote(_ name: String, _ body: (OpaquePointer, String) throws -> Void) throws {
        try withHandle { repository in
            var remote: OpaquePointer?
            try check("git_remote_lookup", git_remote_lookup(&remote, repository, name))
            defer { git_remote_free(remote) }
            let url = git_remote_url(remote).map { String(cString: $0) } ?? ""
            try body(remote!, url)
        }
    }

    /// Runs the network operation `body` (returning libgit2's code for `call`) with callbacks for
    /// `credentials`; throws the callbacks' diagnosis or libgit2's error on failure.
    private static func withRemoteCallbacks(call: String, url: String, credentials: Credentials,
                                            _ body: (git_remote_callbacks, RemoteCallbackContext) -> Int32) throws {
        let context = try RemoteCallbackContext(credentials: credentials, url: url)
        let code = withExtendedLifetime(context) { body(context.callbacks(), context) }
        if code < 0 { throw context.error(call: call, code: code) }
    }
}

/// Calls `body` with a `git_strarray` of `strings`, valid only during the call.
func withStringArray<R>(_ strings: [String], _ body: (UnsafeMutablePointer<git_strarray>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return body(&array)
    }
}
