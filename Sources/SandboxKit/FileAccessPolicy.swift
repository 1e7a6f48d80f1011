/// What a confined program may open: paths (folders cover everything beneath them, files only
/// themselves) with an access level each. Everything else is denied.
public struct FileAccessPolicy: Sendable, Hashable {
    /// What a rule allows.
    public enum Access: String, Sendable, Hashable, CaseIterable {
        /// Open files for reading, list folders.
        case read
        /// `read`, and execute programs (binaries, and the dynamic loader and libraries they map).
        case readExecute = "read-exec"
        /// Read, write, create, rename and remove (no execute).
        case readWrite = "read-write"
    }

    /// One path and what it allows.
    public struct Rule: Sendable, Hashable {
        /// An absolute path; symbolic links in it are followed when the rule is made, and Landlock
        /// checks every later access against the file it resolves to.
        public var path: String
        /// What is allowed on and beneath it.
        public var access: Access

        /// A rule allowing `access` on `path`.
        public init(_ path: String, _ access: Access) {
            self.path = path
            self.access = access
        }
    }

    /// The rules, in the order given. Paths that do not exist are skipped when applied.
    public var rules: [Rule]

    /// A policy of `rules`.
    public init(_ rules: [Rule]) {
        self.rules = rules
    }
}
