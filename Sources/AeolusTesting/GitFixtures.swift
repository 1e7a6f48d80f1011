import Foundation

/// The `git` command line, for setting up and checking repositories in tests, with a fixed
/// author, committer and dates and no user or system configuration, so runs are reproducible.
public enum Git {
    /// Author and committer of every commit the fixtures make.
    public static let authorName = "Aeolus Test"
    /// E-mail of `authorName`.
    public static let authorEmail = "test@aeolus.invalid"

    /// The environment every `git` invocation gets.
    public static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GIT_") }
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_AUTHOR_NAME"] = authorName
        environment["GIT_AUTHOR_EMAIL"] = authorEmail
        environment["GIT_AUTHOR_DATE"] = "2024-01-01T00:00:00Z"
        environment["GIT_COMMITTER_NAME"] = authorName
        environment["GIT_COMMITTER_EMAIL"] = authorEmail
        environment["GIT_COMMITTER_DATE"] = "2024-01-01T00:00:00Z"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        return environment
    }

    /// Path of the `git` executable.
    public static let executable = "/usr/bin/git"

    /// Runs `git arguments...` and returns its stdout with the trailing newline removed.
    /// Throws `SubprocessError` (with git's stderr) when git fails. Every fixture here runs git on
    /// a thread of its own: a test holds no thread of the cooperative pool while git works.
    @discardableResult
    public static func run(_ arguments: [String], input: String? = nil) async throws -> String {
        try await offThePool { try runBlocking(arguments, input: input) }
    }

    /// `git init` at `path` with `main` as the initial branch.
    public static func initRepository(at path: String, bare: Bool = false) async throws {
        try await offThePool { try initRepositoryBlocking(at: path, bare: bare) }
    }

    /// Writes `files` (path → contents; nil deletes) into the working tree `repository`, stages
    /// everything and commits (SSH-signed with `signingKey` when given); returns the new commit's sha.
    @discardableResult
    public static func commit(in repository: String, files: [String: String?], message: String,
                              signingKey: SigningKey? = nil) async throws -> String {
        try await offThePool { try commitBlocking(in: repository, files: files, message: message, signingKey: signingKey) }
    }

    /// A bare repository at `path` whose `main` holds `files`, made through a scratch clone.
    /// Returns the sha of `main`.
    @discardableResult
    public static func makeBareRepository(at path: String, files: [String: String], message: String = "initial") async throws -> String {
        try await offThePool { try makeBareRepositoryBlocking(at: path, files: files, message: message) }
    }

    // The same, blocking the calling thread: for threads of their own (a benchmark's driver, a
    // `static let` initialiser), never for a test's task.

    @discardableResult
    public static func runBlocking(_ arguments: [String], input: String? = nil) throws -> String {
        let output = try Subprocess.run(executable, arguments, environment: environment, input: input)
        var text = output.standardOutput
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    static func initRepositoryBlocking(at path: String, bare: Bool = false) throws {
        try runBlocking(["init", "--quiet", "--initial-branch=main"] + (bare ? ["--bare"] : []) + [path])
    }

    @discardableResult
    static func commitBlocking(in repository: String, files: [String: String?], message: String,
                               signingKey: SigningKey? = nil) throws -> String {
        for (relative, contents) in files {
            let path = (repository as NSString).appendingPathComponent(relative)
            if let contents {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try contents.write(toFile: path, atomically: true, encoding: .utf8)
            } else {
                try FileManager.default.removeItem(atPath: path)
            }
        }
        try runBlocking(["-C", repository, "add", "--all"])
        let signing = signingKey.map { $0.gitArguments + ["-C", repository, "commit", "-S"] } ?? ["-C", repository, "commit"]
        try runBlocking(signing + ["--quiet", "--allow-empty", "-m", message])
        return try runBlocking(["-C", repository, "rev-parse", "HEAD"])
    }

    @discardableResult
    public static func makeBareRepositoryBlocking(at path: String, files: [String: String], message: String = "initial") throws -> String {
        try initRepositoryBlocking(at: path, bare: true)
        let scratch = try TemporaryDirectory(prefix: "aeolus-git-scratch")
        let work = scratch.path("work")
        try runBlocking(["clone", "--quiet", path, work])
        let sha = try commitBlocking(in: work, files: files, message: message)
        try runBlocking(["-C", work, "push", "--quiet", "origin", "HEAD:refs/heads/main"])
        return sha
    }
}
