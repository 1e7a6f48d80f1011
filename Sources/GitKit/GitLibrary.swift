import CGit2

/// Process-wide libgit2 state: initialisation (once, lazily) and global options.
public enum GitLibrary {
    /// Runs `git_libgit2_init` the first time it is read (Swift initialises globals once, atomically).
    /// Registers the TCP stream of `shim.h` (TCP_NODELAY, TCP_QUICKACK after every read), so that
    /// git's small pkt-line writes never wait for a delayed ACK.
    private static let initialized: Bool = {
        git_libgit2_init()
        _ = aeolus_git_register_socket_stream()
        return true
    }()

    /// Makes sure libgit2 is initialised; every GitKit entry point calls it.
    static func ensureInitialized() {
        _ = initialized
    }

    /// Turns libgit2's check that a repository is owned by the current user on or off
    /// (like git's `safe.directory`); useful when a volume is owned by another uid.
    public static func setOwnerValidation(_ enabled: Bool) throws {
        ensureInitialized()
        try check("git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION)", aeolus_git_set_owner_validation(enabled ? 1 : 0))
    }

    /// Sets the CA bundle file and/or directory used to verify https remotes (nil keeps the
    /// built-in default, on Debian /etc/ssl/certs/ca-certificates.crt).
    public static func setCertificateLocations(file: String?, directory: String?) throws {
        ensureInitialized()
        let code = withOptionalCString(file) { file in
            withOptionalCString(directory) { directory in
                aeolus_git_set_ssl_cert_locations(file, directory)
            }
        }
        try check("git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS)", code)
    }
}

/// Calls `body` with a C string for `string`, or with nil.
func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
