import Foundation
import SandboxKit

/// How clang runs: confined by Landlock to the template's files, the system and clang headers
/// and what clang needs to run, or (an explicit choice) unconfined.
///
/// Templates are untrusted input: without confinement a `#include "/etc/passwd"`, an `#embed`
/// or an `.incbin` makes clang read any file the compiling process can, and its diagnostics
/// carry that file's content into `aeolus check` output and the dictator's status.
public enum CompilerConfinement: Sendable, Hashable, CustomStringConvertible {
    /// clang starts through `launcher __confined-exec …` (see `ConfinedExec`), which applies
    /// Landlock to itself and then executes clang.
    case landlock(launcher: String)
    /// clang reads whatever this process can (`--unconfined-compiler`).
    case unconfined

    /// Landlock through the `aeolus` binary: this program when it is `aeolus`, else the one
    /// beside it. When there is none, every compile fails saying so.
    public static var automatic: CompilerConfinement {
        .landlock(launcher: ConfinedExec.launcher ?? "aeolus")
    }

    /// The choice a command makes at start: confined when the kernel offers Landlock, unconfined
    /// only when `allowUnconfined` (`--unconfined-compiler`); otherwise an error that refuses to
    /// compile. Returns the confinement and a line saying which it is, for the log or stderr.
    public static func select(allowUnconfined: Bool,
                              landlockABI: () throws(LandlockError) -> Int = Landlock.abiVersion)
        throws(CompileError) -> (confinement: CompilerConfinement, message: String) {
        if allowUnconfined {
            return (.unconfined, "clang runs unconfined (--unconfined-compiler): a template can read any file this process can")
        }
        do {
            let abi = try landlockABI()
            return (.automatic, "clang runs confined by Landlock (ABI \(abi)) to the template's files and the system headers")
        } catch {
            throw .confinementUnavailable(
                "refusing to compile templates: \(error); clang cannot be confined, so a template could read any file "
                    + "this process can. Pass --unconfined-compiler to compile anyway (only for repositories whose every "
                    + "writer you trust)")
        }
    }

    public var description: String {
        switch self {
        case .landlock(let launcher): return "landlock via \(launcher)"
        case .unconfined: return "unconfined"
        }
    }

    /// The executable and arguments that run `clang` with `arguments` in `workingDirectory`.
    func command(clang: Clang, workingDirectory: String, arguments: [String]) throws(CompileError)
        -> (executable: String, arguments: [String]) {
        switch self {
        case .unconfined:
            return (clang.path, arguments)
        case .landlock(let launcher):
            guard FileManager.default.isExecutableFile(atPath: launcher) else {
                throw .confinementUnavailable(
                    "cannot confine clang: no launcher at \(launcher) (the aeolus binary, which hosts `aeolus "
                        + "\(ConfinedExec.subcommand)`)")
            }
            let policy = clang.fileAccess(workingDirectory: workingDirectory)
            return (launcher, ConfinedExec.arguments(policy: policy, executable: clang.path, arguments: arguments))
        }
    }
}

extension Clang {
    /// Everything a confined clang may open. Read: the system headers and clang's own; the
    /// dynamic loader's cache and `/dev/urandom` (temporary file names). Read and execute: the
    /// clang binary and the library folders it maps. Read and write: the working directory (the
    /// staged template folder and include folders, and the object it writes) and `/dev/null`.
    /// Nothing else: not the dictator's workdir, token files, `/proc` files, home folders.
    /// (clang's `readlink("/proc/self/exe")` and `access()` calls are not file opens; Landlock
    /// does not govern them and clang needs no `/proc` rule.)
    func fileAccess(workingDirectory: String) -> FileAccessPolicy {
        let binary = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        let toolchainLibraries = binary.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("lib").path
        return FileAccessPolicy([
            .init(binary.path, .readExecute),
            .init("/lib", .readExecute), .init("/lib64", .readExecute),
            .init("/usr/lib", .readExecute), .init("/usr/lib64", .readExecute),
            .init(toolchainLibraries, .readExecute),
            .init("/etc/ld.so.cache", .read),
            .init("/usr/include", .read), .init("/usr/local/include", .read),
            .init(resourceDirectory, .read),
            .init("/dev/urandom", .read),
            .init("/dev/null", .readWrite),
            .init(workingDirectory, .readWrite),
        ])
    }
}
