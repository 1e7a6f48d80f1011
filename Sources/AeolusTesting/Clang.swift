import Foundation

/// Compiles BPF C to an ELF object with the Swift toolchain's clang (it has the BPF target).
public enum Clang {
    /// The clang used.
    public static let path = "/opt/swift/usr/bin/clang"

    /// The flags of every BPF compile: optimised, with BTF (`-g`), for the BPF target.
    public static let bpfFlags = ["-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu"]

    /// Compiles the BPF C file at `file` and returns the object's bytes (clang runs on a thread of
    /// its own, not the cooperative pool).
    public static func compileBPF(file: String, includes: [String] = []) async throws -> [UInt8] {
        try await offThePool { try compileBPFBlocking(file: file, includes: includes) }
    }

    /// Compiles BPF C source text and returns the object's bytes.
    public static func compileBPF(source: String, includes: [String] = []) async throws -> [UInt8] {
        try await offThePool { try compileBPFBlocking(source: source, includes: includes) }
    }

    static func compileBPFBlocking(file: String, includes: [String]) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("aeolus-clang-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let object = directory.appendingPathComponent("out.o").path
        try KernelFixtureCommand.check(path, bpfFlags + includes.map { "-I\($0)" } + ["-c", file, "-o", object])
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: object)))
    }

    static func compileBPFBlocking(source: String, includes: [String]) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("aeolus-clang-src-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("probe.bpf.c").path
        try source.write(toFile: file, atomically: true, encoding: .utf8)
        return try compileBPFBlocking(file: file, includes: includes)
    }
}
