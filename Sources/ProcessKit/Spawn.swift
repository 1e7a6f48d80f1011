import CProcessKit
import Foundation

/// `posix_spawn` with an empty signal mask, default signal dispositions, and no descriptor but
/// 0, 1 and 2 inherited.
enum Spawn {
    /// A started child and the parent's ends of its pipes.
    struct Started {
        var pid: pid_t
        var input: Int32?
        var output: Int32?
        var error: Int32?
    }

    static func start(_ configuration: ChildProcess.Configuration) throws -> Started {
        let context = ([configuration.executable] + configuration.arguments).joined(separator: " ")
        // Every descriptor the parent makes here is close-on-exec from the start; `childEnds` are
        // dup2'ed onto 0, 1, 2 in the child and closed in the parent after the spawn.
        var childEnds: [Int32] = []
        var parentEnds: [Int32?] = [nil, nil, nil]
        var succeeded = false
        defer {
            for fd in childEnds { close(fd) }
            if !succeeded { for case let fd? in parentEnds { close(fd) } }
        }
        var actions = posix_spawn_file_actions_t()
        try check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init", context)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let directory = configuration.currentDirectory {
            try check(posix_spawn_file_actions_addchdir_np(&actions, directory), "posix_spawn_file_actions_addchdir_np", directory)
        }
        let redirects = [configuration.standardInput, configuration.standardOutput, configuration.standardError]
        for (target, redirect) in redirects.enumerated() {
            let target = Int32(target)
            let childEnd: Int32
            switch redirect {
            case .inherit:
                continue
            case .null:
                childEnd = try open("/dev/null", O_RDWR)
            case .file(let path):
                childEnd = try open(path, target == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_APPEND)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                try check(pipe2(&ends, O_CLOEXEC) == 0 ? 0 : errno, "pipe2", context)
                let (childSide, parentSide) = target == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                parentEnds[Int(target)] = parentSide
                childEnd = childSide
            }
            childEnds.append(childEnd)
            try check(posix_spawn_file_actions_adddup2(&actions, childEnd, target), "posix_spawn_file_actions_adddup2", context)
        }
        try check(posix_spawn_file_actions_addclosefrom_np(&actions, 3), "posix_spawn_file_actions_addclosefrom_np", context)

        var attributes = posix_spawnattr_t()
        try check(posix_spawnattr_init(&attributes), "posix_spawnattr_init", context)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        try check(posix_spawnattr_setsigmask(&attributes, &noSignals), "posix_spawnattr_setsigmask", context)
        try check(posix_spawnattr_setsigdefault(&attributes, &allSignals), "posix_spawnattr_setsigdefault", context)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if configuration.newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            try check(posix_spawnattr_setpgroup(&attributes, 0), "posix_spawnattr_setpgroup", context)
        }
        try check(posix_spawnattr_setflags(&attributes, Int16(flags)), "posix_spawnattr_setflags", context)

        let argv = CStrings([configuration.executable] + configuration.arguments)
        let envp = configuration.environment.map { CStrings($0.map { "\($0.key)=\($0.value)" }.sorted()) }
        var pid: pid_t = 0
        let searchPath = !configuration.executable.contains("/")
        let result = argv.withPointers { arguments in
            let spawn = { (environment: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Int32 in
                searchPath
                    ? posix_spawnp(&pid, configuration.executable, &actions, &attributes, arguments, environment)
                    : posix_spawn(&pid, configuration.executable, &actions, &attributes, arguments, environment)
            }
            if let envp { return envp.withPointers { spawn($0) } }
            return spawn(UnsafePointer(environ))
        }
        try check(result, searchPath ? "posix_spawnp" : "posix_spawn", context)
        succeeded = true
        return Started(pid: pid, input: parentEnds[0], output: parentEnds[1], error: parentEnds[2])
    }

    /// `open(path, flags | O_CLOEXEC)`, retried on EINTR.
    private static func open(_ path: String, _ flags: Int32) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, 0o644)
            if fd >= 0 { return fd }
            if errno != EINTR { throw ProcessError(call: "open", code: errno, context: path) }
        }
    }

    /// Throws unless `code` (a posix_spawn-style result: 0 or an errno) is 0.
    private static func check(_ code: Int32, _ call: String, _ context: String) throws {
        if code != 0 { throw ProcessError(call: call, code: code, context: context) }
    }
}

/// NUL-terminated copies of strings and the NULL-terminated array `exec` wants.
private final class CStrings {
    private let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    deinit { for pointer in pointers { free(pointer) } }

    func withPointers<T>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
        pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
