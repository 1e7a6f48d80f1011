import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The trampoline that starts a program confined by Landlock, usable with any way of starting
/// children (posix_spawn has no hook between fork and exec): the parent starts
/// `<launcher> __confined-exec --read-exec P … -- PROGRAM ARGS…`; the launcher (the `aeolus`
/// binary, whose `main` calls `runIfRequested`) confines itself with `Landlock.restrictSelf`
/// and then `execve`s the program, which inherits the confinement and can never lift it.
public enum ConfinedExec {
    /// The hidden first argument that selects the trampoline.
    public static let subcommand = "__confined-exec"
    /// The exit status of the trampoline when it could not confine or start the program.
    public static let failureStatus: Int32 = 125
    /// The prefix of the trampoline's own error lines on stderr.
    public static let errorPrefix = "aeolus \(subcommand): "

    private static let hosted = Atomic<Bool>(false)

    /// The arguments (after the launcher's path) that run `executable` with `arguments` under `policy`.
    public static func arguments(policy: FileAccessPolicy, executable: String, arguments: [String]) -> [String] {
        [subcommand] + policy.rules.flatMap { ["--\($0.access.rawValue)", $0.path] } + ["--", executable] + arguments
    }

    /// The inverse of `arguments(policy:executable:arguments:)`; nil when `arguments` are not a
    /// trampoline command line.
    public static func parse(_ arguments: [String]) -> (policy: FileAccessPolicy, executable: String, arguments: [String])? {
        guard arguments.first == subcommand else { return nil }
        var rules: [FileAccessPolicy.Rule] = []
        var index = 1
        while index < arguments.count, arguments[index] != "--" {
            guard arguments[index].hasPrefix("--"), index + 1 < arguments.count,
                  let access = FileAccessPolicy.Access(rawValue: String(arguments[index].dropFirst(2))) else { return nil }
            rules.append(.init(arguments[index + 1], access))
            index += 2
        }
        guard index + 1 < arguments.count else { return nil }
        return (FileAccessPolicy(rules), arguments[index + 1], Array(arguments[(index + 2)...]))
    }

    /// Called first thing by a program's `main`: when the program was started as the trampoline
    /// (`argv[1] == "__confined-exec"`), confines itself and becomes the named program, or exits
    /// with `failureStatus`; it then never returns. Otherwise it returns at once, and the program
    /// is known to host the trampoline (`launcher` names it).
    public static func runIfRequested(_ argv: [String] = CommandLine.arguments) {
        hosted.store(true, ordering: .relaxed)
        guard argv.count > 1, argv[1] == subcommand else { return }
        guard let (policy, executable, arguments) = parse(Array(argv.dropFirst())) else {
            fail("usage: \(subcommand) [--read|--read-exec|--read-write PATH]... -- PROGRAM [ARG]...")
        }
        do { try Landlock.restrictSelf(to: policy) } catch { fail("cannot confine \(executable): \(error)") }
        let vector = ([executable] + arguments).map { strdup($0) } + [nil]
        execve(executable, vector, environ)
        fail("execve \(executable): \(String(cString: strerror(errno)))")
    }

    /// The executable that hosts the trampoline: this program when its `main` calls
    /// `runIfRequested` (the `aeolus` binary), else an `aeolus` in the folder of the running
    /// executable (test bundles and `aeolus-bench` are built beside it); nil when neither.
    public static var launcher: String? {
        if hosted.load(ordering: .relaxed) { return "/proc/self/exe" }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let executable = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = executable.lastIndex(of: "/") else { return nil }
        let candidate = String(executable[..<slash]) + "/aeolus"
        return access(candidate, X_OK) == 0 ? candidate : nil
    }

    private static func fail(_ message: String) -> Never {
        let line = errorPrefix + message + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(failureStatus)
    }
}
