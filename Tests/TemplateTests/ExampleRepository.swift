import AeolusModel
import Compiler
import Foundation

/// The templates of `config-repo-example/`, compiled once per test run.
enum ExampleRepository {
    /// The repository's folder, found from this file's path.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config-repo-example").path

    /// The build of the whole repository (or why it could not be made), made on first use.
    private static let build: Result<RepositoryBuild, any Error> = Result {
        let compiler = BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache())
        return RepositoryCompiler(compiler: compiler).build(snapshot: try ConfigRepository.snapshot(directory: directory))
    }

    /// The compiled template `name`; throws with the build's diagnostics when it did not compile.
    static func template(_ name: String) throws -> CompiledTemplate {
        let build = try build.get()
        guard let compiled = build.templates[name] else {
            throw TemplateTestError("template \(name) did not build: \(build.diagnostics)")
        }
        return compiled
    }
}

/// A test precondition that did not hold, with what was found instead.
struct TemplateTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
