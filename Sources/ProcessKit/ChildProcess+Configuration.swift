extension ChildProcess {
    /// What to start and how.
    public struct Configuration: Sendable {
        /// The program: an absolute path, or a name looked up in `PATH`.
        public var executable: String
        /// Its arguments (without argv[0], which is `executable`).
        public var arguments: [String]
        /// The whole environment; nil inherits this process's.
        public var environment: [String: String]?
        /// Its working directory; nil inherits this process's.
        public var currentDirectory: String?
        /// Where its standard input comes from (by default /dev/null).
        public var standardInput: Redirect
        /// Where its standard output goes.
        public var standardOutput: Redirect
        /// Where its standard error goes.
        public var standardError: Redirect
        /// Whether it leads a process group of its own (then `signal` reaches its children too,
        /// and a terminal's Ctrl-C does not reach it).
        public var newProcessGroup: Bool

        /// A configuration; see the properties.
        public init(executable: String, arguments: [String] = [], environment: [String: String]? = nil,
                    currentDirectory: String? = nil, standardInput: Redirect = .null,
                    standardOutput: Redirect = .inherit, standardError: Redirect = .inherit,
                    newProcessGroup: Bool = false) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.currentDirectory = currentDirectory
            self.standardInput = standardInput
            self.standardOutput = standardOutput
            self.standardError = standardError
            self.newProcessGroup = newProcessGroup
        }
    }

    /// Where one of a child's standard descriptors leads.
    public enum Redirect: Sendable, Equatable {
        /// The same as this process's.
        case inherit
        /// /dev/null.
        case null
        /// A new pipe; the parent's end is `standardInput`, `standardOutput` or `standardError`.
        case pipe
        /// A file: read for standard input; for output created if missing and appended to (two
        /// outputs to the same file interleave whole writes).
        case file(String)
    }
}
