import AeolusModel
import AeolusTesting
import Compiler
import Foundation

/// The templates of `config-repo-example/`, compiled once per test run.
enum ExampleRepository {
    /// The repository's folder, found from this file's path.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config-repo-example").path

    /// The build of the whole repository (or why it could not be made), started on first use
    /// and shared by every test; clang runs on a thread of its own.
    private static let build = Task {
        let compiler = BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache())
        let snapshot = try await offThePool { try ConfigRepository.snapshot(directory: directory) }
        return await RepositoryCompiler(compiler: compiler).build(snapshot: snapshot)
    }

    /// The compiled template `name`; throws with the build's diagnostics when it did not compile.
    static func template(_ name: String) async throws -> CompiledTemplate {
        let build = try await build.value
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
