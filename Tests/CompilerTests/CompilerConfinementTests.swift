import AeolusModel
import AeolusTesting
import Compiler
import Foundation
import SandboxKit
import Testing

/// clang confined by Landlock, in-process as `aeolus check` and the dictator (through
/// `RepositoryCompiler`) use it: a template cannot read a file outside its folder, the include
/// folders and the system headers, and no diagnostic shows such a file's content.
@Suite struct CompilerConfinementTests {
    /// A secret outside the repository: a file whose content, if clang read it, its diagnostics
    /// would quote (it is not C).
    struct Secret {
        let folder: TemporaryDirectory
        let text = "AEOLUS-SECRET-\(UUID().uuidString)"
        var path: String { folder.path("secret.h") }

        init() throws {
            folder = try TemporaryDirectory(prefix: "aeolus-secret")
            try "\(text) is not C\n".write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// Template sources that each try to read `secret`, by name, and the path their error must name.
    static func attempts(_ secret: Secret) -> [(name: String, source: String, named: String)] {
        let dotdot = String(repeating: "../", count: 16) + secret.path.dropFirst()
        return [
            ("absolute", "#include \"\(secret.path)\"\n", secret.path),
            ("dotdot", "#include \"\(dotdot)\"\n", dotdot),
            ("incbin", "asm(\".incbin \\\"\(secret.path)\\\"\");\n", secret.path),
            ("embed", "static const char data[] = {\n#embed \"\(secret.path)\"\n};\n", secret.path),
            ("hasinclude", "#if __has_include(\"\(secret.path)\")\n#include \"\(secret.path)\"\n#else\n"
                + "#error \"cannot open \(secret.path)\"\n#endif\n", secret.path),
        ]
    }

    static func snapshot(_ secret: Secret) -> [String: Data] {
        var snapshot = Fixtures.repository(template: Fixtures.counterSpec, source: Fixtures.counter())
        for attempt in attempts(secret) {
            let name = "leak-\(attempt.name)"
            snapshot["templates/\(name)/template.yaml"] = snapshot["templates/t/template.yaml"].map {
                Data(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "{name: t}", with: "{name: \(name)}").utf8)
            }
            snapshot["templates/\(name)/probe.bpf.c"] = Data((attempt.source + Fixtures.counter()).utf8)
        }
        return snapshot
    }

    @Test func eachAttemptIsRefusedNamingThePathAndTheGoodTemplateCompiles() async throws {
        let secret = try Secret()
        let build = try await offThePool { RepositoryCompiler(compiler: try Fixtures.compiler()).build(snapshot: Self.snapshot(secret)) }
        #expect(build.templates.keys.sorted() == ["t"], "\(build.diagnostics)")
        let text = build.diagnostics.items.map(\.description).joined(separator: "\n")
        #expect(!text.contains(secret.text), "\(text)")
        for attempt in Self.attempts(secret) {
            let name = "leak-\(attempt.name)"
            #expect(build.failedTemplates.contains(name))
            let errors = build.diagnostics.items.filter { $0.file == "templates/\(name)/probe.bpf.c" && $0.severity == .error }
            #expect(errors.contains { $0.message.contains(attempt.named) }, "\(name): \(errors)")
        }
    }

    /// The compiler's own error (what `CompileError.description` and the raw clang output carry),
    /// not only the parsed diagnostics, holds no secret.
    @Test(arguments: ["absolute", "dotdot", "incbin", "embed", "hasinclude"])
    func compileErrorsCarryNoContent(attempt name: String) async throws {
        let secret = try Secret()
        let attempt = try #require(Self.attempts(secret).first { $0.name == name })
        let compiler = try Fixtures.compiler()
        let request = CompileRequest(name: name, sourcePath: "templates/\(name)/probe.bpf.c",
                                     files: ["templates/\(name)/probe.bpf.c": Array((attempt.source + Fixtures.counter()).utf8)])
        #expect {
            _ = try compiler.compile(request)
        } throws: { error in
            guard case .compileFailed(_, let diagnostics, let output) = error as? CompileError else { return false }
            return !"\(error)\(output)\(diagnostics)".contains(secret.text) && output.contains(attempt.named)
        }
    }

    /// A symbolic link in a working tree that points outside is not read into the snapshot (as
    /// git snapshots skip links), so the include it stands for is not found.
    @Test func aSymbolicLinkInTheTemplateFolderIsNotFollowed() async throws {
        let secret = try Secret()
        let repository = try TemporaryDirectory(prefix: "aeolus-symlink-repo")
        for (path, data) in Fixtures.repository(template: Fixtures.counterSpec,
                                                source: "#include \"secret.h\"\n" + Fixtures.counter()) {
            let file = repository.path(path)
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: file))
        }
        try FileManager.default.createSymbolicLink(atPath: repository.path("templates/t/secret.h"), withDestinationPath: secret.path)
        try FileManager.default.createSymbolicLink(atPath: repository.path("include"), withDestinationPath: secret.folder.path)
        let snapshot = try ConfigRepository.snapshot(directory: repository.path)
        #expect(snapshot.keys.sorted() == ["templates/t/probe.bpf.c", "templates/t/template.yaml"])
        let build = try await offThePool { RepositoryCompiler(compiler: try Fixtures.compiler()).build(snapshot: snapshot) }
        #expect(build.failedTemplates == ["t"])
        let text = build.diagnostics.items.map(\.description).joined(separator: "\n")
        #expect(text.contains("'secret.h' file not found"), "\(text)")
        #expect(!text.contains(secret.text))
    }

    /// Unconfined (`--unconfined-compiler`), the same include shows the content: the tests above
    /// would see a leak.
    @Test func unconfinedTheSecretLeaks() async throws {
        let secret = try Secret()
        let compiler = BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache(), confinement: .unconfined)
        let snapshot = Fixtures.repository(template: Fixtures.counterSpec, source: "#include \"\(secret.path)\"\n" + Fixtures.counter())
        let build = try await offThePool { RepositoryCompiler(compiler: compiler).build(snapshot: snapshot) }
        #expect(build.diagnostics.items.map(\.description).joined().contains("AEOLUS"))
    }

    @Test func theDefaultIsConfinedAndTheExampleStillCompiles() async throws {
        let compiler = try Fixtures.compiler()
        guard case .landlock(let launcher) = compiler.confinement else {
            Issue.record("default confinement is \(compiler.confinement)")
            return
        }
        #expect(FileManager.default.isExecutableFile(atPath: launcher))
        let build = try await offThePool { RepositoryCompiler(compiler: compiler).build(snapshot: try Fixtures.example()) }
        #expect(build.failedTemplates.isEmpty, "\(build.diagnostics)")
    }

    @Test func aMissingLauncherRefusesToCompile() async throws {
        let compiler = BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache(),
                                   confinement: .landlock(launcher: "/nonexistent/aeolus"))
        let build = await RepositoryCompiler(compiler: compiler).build(
            snapshot: Fixtures.repository(template: Fixtures.counterSpec, source: Fixtures.counter()))
        #expect(build.failedTemplates == ["t"])
        #expect(build.diagnostics.items.contains { $0.message.contains("cannot confine clang") })
    }

    /// The choice at start: confined where the kernel offers Landlock; without it, a refusal
    /// unless `--unconfined-compiler`.
    @Test func selectionAtStart() async throws {
        let confined = try CompilerConfinement.select(allowUnconfined: false, landlockABI: { () throws(LandlockError) in 6 })
        #expect(confined.confinement == .automatic)
        #expect(confined.message.contains("Landlock (ABI 6)"))
        #expect(throws: CompileError.self) {
            try CompilerConfinement.select(allowUnconfined: false,
                                           landlockABI: { () throws(LandlockError) in throw LandlockError(call: "x", code: ENOSYS) })
        }
        let escape = try CompilerConfinement.select(
            allowUnconfined: true, landlockABI: { () throws(LandlockError) in throw LandlockError(call: "x", code: EOPNOTSUPP) })
        #expect(escape.confinement == .unconfined)
        #expect(escape.message.contains("--unconfined-compiler"))
        #expect(LandlockError(call: "x", code: EOPNOTSUPP).isUnavailable)
    }
}
