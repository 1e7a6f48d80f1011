import AeolusTesting
import Foundation
import Testing

/// `aeolus check` through the binary on a repository whose templates try to read a file outside
/// it: each is refused naming the path, the secret appears nowhere in the output, and the
/// example's templates still compile in the same run.
@Suite struct CompilerConfinementCommandTests {
    @Test func checkRefusesTemplatesThatReadOutsideTheRepository() async throws {
        let secretFolder = try TemporaryDirectory(prefix: "aeolus-secret")
        let secret = "AEOLUS-SECRET-\(UUID().uuidString)"
        let secretPath = secretFolder.path("secret.h")
        try "\(secret) is not C\n".write(toFile: secretPath, atomically: true, encoding: .utf8)

        let repository = try TemporaryDirectory(prefix: "aeolus-cli-confined")
        _ = try await Subprocess.run("/bin/cp", ["-r", AeolusBinary.repositoryRoot() + "/config-repo-example/.", repository.path])
        let dotdot = String(repeating: "../", count: 16) + secretPath.dropFirst()
        let attempts: [(name: String, line: String, named: String)] = [
            ("leak-absolute", "#include \"\(secretPath)\"", secretPath),
            ("leak-dotdot", "#include \"\(dotdot)\"", dotdot),
            ("leak-incbin", "asm(\".incbin \\\"\(secretPath)\\\"\");", secretPath),
            ("leak-embed", "static const char data[] = {\n#embed \"\(secretPath)\"\n};", secretPath),
            ("leak-hasinclude", "#if __has_include(\"\(secretPath)\")\n#include \"\(secretPath)\"\n#endif\n"
                + "#include \"\(secretPath)\"", secretPath),
            ("leak-symlink", "#include \"secret.h\"", "secret.h"),
        ]
        for attempt in attempts {
            let folder = repository.path("templates/\(attempt.name)")
            _ = try await Subprocess.run("/bin/cp", ["-r", repository.path("templates/pod-traffic"), folder])
            let yaml = try String(contentsOfFile: folder + "/template.yaml", encoding: .utf8)
            try yaml.replacingOccurrences(of: "name: pod-traffic", with: "name: \(attempt.name)")
                .write(toFile: folder + "/template.yaml", atomically: true, encoding: .utf8)
            let source = try String(contentsOfFile: folder + "/probe.bpf.c", encoding: .utf8)
            try (attempt.line + "\n" + source).write(toFile: folder + "/probe.bpf.c", atomically: true, encoding: .utf8)
        }
        try FileManager.default.createSymbolicLink(atPath: repository.path("templates/leak-symlink/secret.h"),
                                                   withDestinationPath: secretPath)

        for format in ["text", "github", "json"] {
            let arguments = ["check", "--repo", repository.path, "--format", format, "--cache", repository.path(".cache")]
            let output = try await AeolusBinary.run(arguments)
            let everything = output.standardOutput + output.standardError
            #expect(output.status == 1, "\(everything)")
            #expect(!everything.contains(secret), "\(format): \(everything)")
            if format == "text" {
                #expect(output.standardOutput.contains("14 templates (8 ok, 6 failed)"), "\(everything)")
                for attempt in attempts {
                    let lines = output.standardOutput.split(separator: "\n")
                        .filter { $0.hasPrefix("templates/\(attempt.name)/probe.bpf.c:") && $0.contains("error") }
                    #expect(lines.contains { $0.contains(attempt.named) }, "\(attempt.name): \(everything)")
                }
            }
        }
    }
}
