import BPFKit
import Foundation
import Synchronization
import ProcessKit
import SandboxKit

/// A compiled template: the object's bytes, its digest (how agents name it) and its spec.
public struct CompiledObject: Sendable {
    /// The cache key of the inputs.
    public let key: String
    /// `sha256:<hex>` of the ELF bytes.
    public let digest: String
    /// The ELF object.
    public let elf: [UInt8]
    /// What the object declares: programs, maps, `.rodata` variables, license.
    public let spec: ObjectSpec
    /// clang's warnings, if it printed any (none for a cache hit).
    public let warnings: [ClangDiagnostic]
    /// True when the object came from the cache.
    public let fromCache: Bool
}

/// Compiles template sources into BPF objects once per content.
public final class BPFCompiler: Sendable {
    /// The clang in use.
    public let clang: Clang
    /// How clang runs: confined by Landlock unless the caller chose otherwise.
    public let confinement: CompilerConfinement
    private let cache: ObjectCache
    /// Specs of objects already inspected, by cache key: a new revision that leaves a template
    /// unchanged costs neither clang nor an ELF parse.
    private let specs = Mutex<[String: ObjectSpec]>([:])

    /// A compiler with the given clang and cache; clang runs confined (`.automatic`) unless
    /// `confinement` says otherwise.
    public init(clang: Clang, cache: ObjectCache, confinement: CompilerConfinement = .automatic) {
        self.clang = clang
        self.cache = cache
        self.confinement = confinement
    }

    /// The flags a request is compiled with (base flags, includes, its extra flags).
    public func flags(for request: CompileRequest) -> [String] {
        Clang.baseFlags + request.includeDirectories.map { "-I\($0)" }
    }

    /// Compiles `request`, or takes its object from the cache.
    public func compile(_ request: CompileRequest) throws(CompileError) -> CompiledObject {
        let flags = flags(for: request)
        let key = request.key(toolchain: clang.version, flags: flags)
        if let elf = cache.object(forKey: key) {
            return try finish(request, key: key, elf: elf, warnings: [], fromCache: true)
        }
        let (elf, warnings) = try runClang(request, flags: flags)
        do { try cache.store(elf, forKey: key) } catch let error as CompileError { throw error } catch {
            throw .io("\(error)")
        }
        return try finish(request, key: key, elf: elf, warnings: warnings, fromCache: false)
    }

    private func finish(_ request: CompileRequest, key: String, elf: [UInt8], warnings: [ClangDiagnostic],
                        fromCache: Bool) throws(CompileError) -> CompiledObject {
        let spec: ObjectSpec
        if let known = specs.withLock({ $0[key] }) {
            spec = known
        } else {
            do { spec = try ObjectSpec(elf: elf, name: request.name) } catch {
                throw .invalidObject(template: request.name, reason: "\(error)")
            }
            specs.withLock { $0[key] = spec }
        }
        return CompiledObject(key: key, digest: objectDigest(elf), elf: elf, spec: spec,
                              warnings: warnings, fromCache: fromCache)
    }

    /// Writes the inputs into a private folder laid out like the repository, so clang's
    /// diagnostics name repository-relative paths, and maps that folder away in the debug info,
    /// so the object's bytes do not depend on where it was built.
    private func runClang(_ request: CompileRequest, flags: [String]) throws(CompileError) -> ([UInt8], [ClangDiagnostic]) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-cc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            for (path, contents) in request.files {
                let file = URL(fileURLWithPath: root).appendingPathComponent(path)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(contents).write(to: file)
            }
        } catch {
            throw .io("cannot stage sources of \(request.name): \(error)")
        }
        let output = "aeolus-out.o"
        let arguments = flags + request.extraFlags + ["-fdebug-prefix-map=\(root)=.", "-fno-color-diagnostics",
                                                      "-c", request.sourcePath, "-o", output]
        let command = try confinement.command(clang: clang, workingDirectory: root, arguments: arguments)
        let result: Subprocess.Output
        do { result = try Subprocess.collect(command.executable, command.arguments, currentDirectory: root) } catch {
            throw .toolchainMissing("cannot run \(command.executable): \(error)")
        }
        if case .landlock = confinement, result.status == ConfinedExec.failureStatus,
           result.standardError.hasPrefix(ConfinedExec.errorPrefix) {
            throw .confinementUnavailable(result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let diagnostics = ClangDiagnostic.parse(result.standardError).map { $0.attributed(to: request.sourcePath) }
        guard result.status == 0, let data = FileManager.default.contents(atPath: "\(root)/\(output)") else {
            throw .compileFailed(template: request.name, diagnostics: diagnostics, output: result.standardError)
        }
        return ([UInt8](data), diagnostics.filter { $0.severity == "warning" })
    }
}
