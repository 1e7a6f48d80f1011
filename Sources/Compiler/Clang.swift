import Foundation
import ProcessKit

/// The clang that turns templates into BPF objects.
///
/// It is found once: `AEOLUS_CLANG` if set, else the first `clang` on PATH, else the Swift
/// toolchain's. Its `--version` output is part of every cache key, so a new clang recompiles.
public struct Clang: Sendable, Hashable {
    /// Absolute path of the executable.
    public let path: String
    /// First line of `clang --version`.
    public let version: String
    /// Its resource folder (`-print-resource-dir`: its own headers such as `stddef.h`), which a
    /// confined clang may read.
    public let resourceDirectory: String

    /// The flags every template is compiled with. `-g` gives BTF, which `.rodata` parameters and
    /// CO-RE need; `-O2` is what the kernel verifier expects of BPF code.
    public static let baseFlags = ["-O2", "-g", "-target", "bpf", "-Wall", "-Wno-unused-function",
                                   "-I/usr/include/\(hostMultiarch)"]

    /// The folder of the host's asm headers (`asm/types.h`), which uapi headers include.
    static var hostMultiarch: String {
        #if arch(x86_64)
        return "x86_64-linux-gnu"
        #elseif arch(arm64)
        return "aarch64-linux-gnu"
        #else
        return "\(ProcessInfo.processInfo.machineHardwareName)-linux-gnu"
        #endif
    }

    /// Finds clang as described above and reads its version.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Clang {
        var candidates: [String] = []
        if let explicit = environment["AEOLUS_CLANG"], !explicit.isEmpty { candidates.append(explicit) }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(directory)/clang")
        }
        candidates.append("/opt/swift/usr/bin/clang")
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CompileError.toolchainMissing("no clang found (set AEOLUS_CLANG, or put clang on PATH)")
        }
        let result = try Subprocess.collect(path, ["--version"])
        guard result.status == 0, let first = result.standardOutput.split(separator: "\n").first else {
            throw CompileError.toolchainMissing("\(path) --version failed: \(result.standardError)")
        }
        let resource = try Subprocess.collect(path, ["-print-resource-dir"])
        let resourceDirectory = resource.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        guard resource.status == 0, resourceDirectory.hasPrefix("/") else {
            throw CompileError.toolchainMissing("\(path) -print-resource-dir failed: \(resource.standardError)")
        }
        return Clang(path: path, version: String(first), resourceDirectory: resourceDirectory)
    }
}

extension ProcessInfo {
    fileprivate var machineHardwareName: String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
