import CLandlock
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's Landlock LSM: an unprivileged process confines its own file access (and that of
/// everything it executes) to the folders and files a `FileAccessPolicy` names.
public enum Landlock {
    /// The highest Landlock ABI the running kernel offers (1 for Linux 5.13, 6 for 6.12, …).
    /// Throws a `LandlockError` whose `isUnavailable` is true when the kernel has no Landlock.
    public static func abiVersion() throws(LandlockError) -> Int {
        let version = aeolus_landlock_abi_version()
        guard version >= 1 else { throw LandlockError(call: "landlock_create_ruleset(VERSION)", code: errno) }
        return Int(version)
    }

    /// Confines the calling thread, and every program it executes from now on, to `policy`:
    /// every file access right the kernel's ABI knows is denied outside the policy's rules, TCP
    /// bind and connect are denied (ABI 4+), and abstract unix sockets and signals are scoped to
    /// the sandbox (ABI 6+). Also sets no_new_privs. Returns the ABI enforced.
    ///
    /// Only the calling thread is confined: call it on the thread that then calls `execve`.
    @discardableResult
    public static func restrictSelf(to policy: FileAccessPolicy) throws(LandlockError) -> Int {
        let abi = try abiVersion()
        let rights = Rights(abi: abi)
        let ruleset = aeolus_landlock_create_ruleset(rights.handledFileSystem, rights.handledNetwork, rights.scoped)
        guard ruleset >= 0 else { throw LandlockError(call: "landlock_create_ruleset", code: errno) }
        defer { close(ruleset) }
        for rule in policy.rules {
            let fd = aeolus_landlock_open_path(rule.path)
            if fd < 0 {
                if errno == ENOENT || errno == ENOTDIR { continue } // nothing there to allow
                throw LandlockError(call: "open(O_PATH)", code: errno, path: rule.path)
            }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw LandlockError(call: "fstat", code: errno, path: rule.path) }
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            let access = rights.allowed(rule.access, directory: isDirectory)
            guard aeolus_landlock_allow_path(ruleset, fd, access) == 0 else {
                throw LandlockError(call: "landlock_add_rule", code: errno, path: rule.path)
            }
        }
        guard aeolus_landlock_no_new_privs() == 0 else { throw LandlockError(call: "prctl(PR_SET_NO_NEW_PRIVS)", code: errno) }
        guard aeolus_landlock_restrict_self(ruleset) == 0 else { throw LandlockError(call: "landlock_restrict_self", code: errno) }
        return abi
    }

    /// The rights a ruleset handles on a kernel of a given ABI, and what each access level allows.
    struct Rights: Equatable {
        var handledFileSystem: UInt64
        var handledNetwork: UInt64
        var scoped: UInt64

        /// Only the rights `abi` knows: a kernel refuses a ruleset naming a right it does not.
        init(abi: Int) {
            var fs: UInt64 = 0
            if abi >= 1 { fs |= (AEOLUS_LL_FS_MAKE_SYM << 1) - 1 } // EXECUTE … MAKE_SYM
            if abi >= 2 { fs |= AEOLUS_LL_FS_REFER }
            if abi >= 3 { fs |= AEOLUS_LL_FS_TRUNCATE }
            if abi >= 5 { fs |= AEOLUS_LL_FS_IOCTL_DEV }
            handledFileSystem = fs
            handledNetwork = abi >= 4 ? AEOLUS_LL_NET_BIND_TCP | AEOLUS_LL_NET_CONNECT_TCP : 0
            scoped = abi >= 6 ? AEOLUS_LL_SCOPE_ABSTRACT_UNIX_SOCKET | AEOLUS_LL_SCOPE_SIGNAL : 0
        }

        /// The rights a rule grants; a rule on a file (not a folder) may name only file rights.
        func allowed(_ access: FileAccessPolicy.Access, directory: Bool) -> UInt64 {
            let read = AEOLUS_LL_FS_READ_FILE | AEOLUS_LL_FS_READ_DIR
            let wanted: UInt64
            switch access {
            case .read: wanted = read
            case .readExecute: wanted = read | AEOLUS_LL_FS_EXECUTE
            case .readWrite: wanted = handledFileSystem & ~AEOLUS_LL_FS_EXECUTE
            }
            let fileRights = AEOLUS_LL_FS_EXECUTE | AEOLUS_LL_FS_WRITE_FILE | AEOLUS_LL_FS_READ_FILE
                | AEOLUS_LL_FS_TRUNCATE | AEOLUS_LL_FS_IOCTL_DEV
            return wanted & handledFileSystem & (directory ? ~0 : fileRights)
        }
    }
}

/// A Landlock call failed; names the call, the errno and the path it was about.
public struct LandlockError: Error, Sendable, CustomStringConvertible {
    /// The C call, e.g. `landlock_restrict_self`.
    public var call: String
    /// Its errno.
    public var code: Int32
    /// The path of a rule, when the call was about one.
    public var path: String?

    /// An error of `call` with `code`.
    public init(call: String, code: Int32, path: String? = nil) {
        self.call = call
        self.code = code
        self.path = path
    }

    /// True when the kernel has no Landlock: not built in (ENOSYS) or not enabled at boot
    /// (EOPNOTSUPP, e.g. missing from `lsm=`).
    public var isUnavailable: Bool { code == ENOSYS || code == EOPNOTSUPP }

    public var description: String {
        "\(call)\(path.map { " \($0)" } ?? ""): \(String(cString: strerror(code)))"
            + (isUnavailable ? " (this kernel offers no Landlock)" : "")
    }
}
