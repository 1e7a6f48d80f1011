import Crypto
import Foundation

/// Everything one compile depends on: the files clang may read, the source to compile, and the
/// flags. Its `key` is the object's cache address: equal keys give equal objects, so a template
/// compiles once per content, whatever parameters it is later loaded with.
public struct CompileRequest: Sendable, Hashable {
    /// A name for messages (the template's name).
    public var name: String
    /// Repository-relative path of the C source, e.g. `templates/dns/probe.bpf.c`.
    public var sourcePath: String
    /// Repository-relative paths and contents of every file the compile may read: the source,
    /// its neighbours in the template folder and the shared include folders.
    public var files: [String: [UInt8]]
    /// Repository-relative folders to pass as `-I`.
    public var includeDirectories: [String]
    /// Extra clang flags; part of the key.
    public var extraFlags: [String]

    /// Creates a request.
    public init(name: String, sourcePath: String, files: [String: [UInt8]],
                includeDirectories: [String] = [], extraFlags: [String] = []) {
        self.name = name
        self.sourcePath = sourcePath
        self.files = files
        self.includeDirectories = includeDirectories
        self.extraFlags = extraFlags
    }

    /// The cache key: SHA-256 over the toolchain's identity, the flags and every input file
    /// (path, length, bytes, in path order).
    public func key(toolchain: String, flags: [String]) -> String {
        var hash = SHA256()
        func add(_ text: String) {
            var bytes = Array(text.utf8)
            withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { hash.update(bufferPointer: $0) }
            hash.update(data: bytes)
            bytes.removeAll()
        }
        add("aeolus-compile-v1")
        add(toolchain)
        for flag in flags + extraFlags { add(flag) }
        add(sourcePath)
        for directory in includeDirectories { add(directory) }
        for path in files.keys.sorted() {
            add(path)
            let contents = files[path]!
            withUnsafeBytes(of: UInt64(contents.count).littleEndian) { hash.update(bufferPointer: $0) }
            hash.update(data: contents)
        }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// The SHA-256 digest of an object, as agents fetch and report it: `sha256:<hex>`.
public func objectDigest(_ elf: [UInt8]) -> String {
    "sha256:" + SHA256.hash(data: elf).map { String(format: "%02x", $0) }.joined()
}
