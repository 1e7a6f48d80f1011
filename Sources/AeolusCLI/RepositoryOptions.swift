import AeolusModel
import ArgumentParser
import Compiler
import Foundation
import GitKit

/// Options shared by the commands that read a config repository.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .long, help: "The config repository (a working tree or a git repository).")
    var repo: String = "."

    @Option(name: .long, help: "Where compiled objects are cached (default: $XDG_CACHE_HOME/aeolus/objects).")
    var cache: String?

    @OptionGroup var compiler: CompilerOptions

    /// The files of the repository at `revision` (through libgit2), or of its working tree.
    func snapshot(at revision: String?) throws -> [String: Data] {
        guard let revision else {
            guard FileManager.default.fileExists(atPath: repo) else {
                throw ValidationError("no such folder: \(repo)")
            }
            return try ConfigRepository.snapshot(directory: repo)
        }
        let repository = try Repository.open(at: repo)
        return try repository.snapshot(at: revision).files
    }

    /// A compiler with the on-disk cache, clang confined unless `--unconfined-compiler`; says
    /// on stderr when it runs unconfined, and refuses (throws) when it cannot confine clang.
    func makeCompiler(command: String) throws -> BPFCompiler {
        let (confinement, message) = try compiler.confinement()
        if confinement == .unconfined { FileHandleStandardError.write("aeolus \(command): warning: \(message)\n") }
        let directory = cache ?? Self.defaultCacheDirectory
        return BPFCompiler(clang: try Clang.locate(), cache: try ObjectCache(directory: directory), confinement: confinement)
    }

    static var defaultCacheDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"].map { "\($0)/.cache" } ?? NSTemporaryDirectory())
        return "\(base)/aeolus/objects"
    }
}

/// How a review command prints: for people, for programs, or as GitHub workflow annotations.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, github
}
