import CBPF
import Foundation

/// A BPF map, through an fd this value owns (a duplicate of the object's, or one opened from a pin).
///
/// Keys and values are raw bytes in the kernel's layout. For per-CPU maps a value holds one
/// slot per possible CPU, each rounded up to 8 bytes (`lookupPerCPU` splits them).
///
/// `@unchecked Sendable`: the fd is only read or closed under `lock`.
public final class Map: @unchecked Sendable {
    /// The map's name (the object's name for it, or the kernel's for a pinned map).
    public let name: String
    /// What the kernel says about the map.
    public let info: MapInfo
    private let lock = NSLock()
    private var fd: Int32

    /// Takes ownership of `fd`.
    private init(fd: Int32, name: String?) throws {
        do { info = try MapInfo(fd: fd) } catch { Glibc.close(fd); throw error }
        self.fd = fd
        self.name = name ?? info.name
    }

    /// A handle on the map behind `fd`, with a duplicate fd of its own.
    convenience init(duplicating fd: Int32, name: String) throws {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw BPFError.callFailed(call: "fcntl(F_DUPFD_CLOEXEC)", errno: errno, message: "") }
        try self.init(fd: copy, name: name)
    }

    /// Opens the map pinned at `path` (a second handle sees the same data).
    public static func open(pinnedAt path: String) throws -> Map {
        let fd = LibBPF.call { bpf_obj_get(path) }
        guard fd >= 0 else {
            if -fd == ENOENT { throw BPFError.notFound("pinned map \(path)") }
            throw LibBPF.failure("bpf_obj_get(\(path))", code: fd)
        }
        return try Map(fd: fd, name: nil)
    }

    deinit { close() }

    /// Closes this handle's fd (idempotent). The map lives on while others hold it or it is pinned.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Runs `body` with the open fd.
    func withFD<T>(_ body: (Int32) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0 else { throw BPFError.closed("map '\(name)'") }
        return try body(fd)
    }

    /// The map type.
    public var type: MapType { info.type }

    /// Bytes of one value as lookup returns it: the value size, or for per-CPU maps the value
    /// size rounded up to 8, times the number of possible CPUs.
    public var valueBufferSize: Int {
        guard type.isPerCPU else { return Int(info.valueSize) }
        return Self.perCPUStride(info.valueSize) * Self.possibleCPUs
    }

    /// The number of possible CPUs (per-CPU maps hold one slot for each).
    public static var possibleCPUs: Int { Int(max(libbpf_num_possible_cpus(), 1)) }

    private static func perCPUStride(_ valueSize: UInt32) -> Int { (Int(valueSize) + 7) / 8 * 8 }

    private func checkKey(_ key: [UInt8]) throws {
        guard key.count == Int(info.keySize) else {
            throw BPFError.invalidArgument("map '\(name)' has \(info.keySize)-byte keys, got \(key.count) bytes")
        }
    }

    /// The value under `key`, or nil if there is none.
    public func lookup(_ key: [UInt8]) throws -> [UInt8]? {
        try checkKey(key)
        var value = [UInt8](repeating: 0, count: valueBufferSize)
        let rc = try withFD { fd in LibBPF.call { bpf_map_lookup_elem(fd, key, &value) } }
        if rc == -ENOENT { return nil }
        if rc < 0 { throw LibBPF.failure("bpf_map_lookup_elem(\(name))", code: rc) }
        return value
    }

    /// The per-CPU values under `key` (one per possible CPU, each `valueSize` bytes), or nil.
    public func lookupPerCPU(_ key: [UInt8]) throws -> [[UInt8]]? {
        guard type.isPerCPU else { throw BPFError.invalidArgument("map '\(name)' is a \(type) map, not per-CPU") }
        guard let value = try lookup(key) else { return nil }
        let stride = Self.perCPUStride(info.valueSize)
        let size = Int(info.valueSize)
        return Swift.stride(from: 0, to: value.count, by: stride).map { Array(value[$0..<$0 + size]) }
    }

    /// How `update` treats an existing or missing key.
    public enum UpdateMode: UInt64, Sendable {
        /// Create or replace (`BPF_ANY`).
        case any = 0
        /// Only create (`BPF_NOEXIST`).
        case createOnly = 1
        /// Only replace (`BPF_EXIST`).
        case replaceOnly = 2
    }

    /// Stores `value` under `key` (for per-CPU maps, `value` holds every CPU's slot).
    public func update(_ key: [UInt8], _ value: [UInt8], mode: UpdateMode = .any) throws {
        try checkKey(key)
        guard value.count == valueBufferSize else {
            throw BPFError.invalidArgument("map '\(name)' takes \(valueBufferSize)-byte values, got \(value.count) bytes")
        }
        _ = try withFD { fd in
            try LibBPF.check("bpf_map_update_elem(\(name))") { bpf_map_update_elem(fd, key, value, mode.rawValue) }
        }
    }

    /// Deletes `key`; returns false if it was not there.
    @discardableResult
    public func delete(_ key: [UInt8]) throws -> Bool {
        try checkKey(key)
        let rc = try withFD { fd in LibBPF.call { bpf_map_delete_elem(fd, key) } }
        if rc == -ENOENT { return false }
        if rc < 0 { throw LibBPF.failure("bpf_map_delete_elem(\(name))", code: rc) }
        return true
    }

    /// Every key, in the kernel's iteration order (BPF_MAP_GET_NEXT_KEY).
    public func keys() throws -> [[UInt8]] {
        try withFD { fd in
            var keys: [[UInt8]] = []
            var next = [UInt8](repeating: 0, count: Int(info.keySize))
            var rc = bpf_map_get_next_key(fd, nil, &next)
            while rc == 0 {
                keys.append(next)
                let previous = next
                rc = bpf_map_get_next_key(fd, previous, &next)
                if keys.count > Int(info.maxEntries) { break }
            }
            if rc < 0 && rc != -ENOENT { throw LibBPF.failure("bpf_map_get_next_key(\(name))", code: rc) }
            return keys
        }
    }

    /// Every key with its value (values read one by one; entries may change meanwhile).
    public func entries() throws -> [(key: [UInt8], value: [UInt8])] {
        try keys().compactMap { key in try lookup(key).map { (key, $0) } }
    }

    /// Pins the map at `path` on bpffs (mounting bpffs if needed).
    public func pin(at path: String) throws {
        try BPFFileSystem.ensureMounted()
        _ = try withFD { fd in try LibBPF.check("bpf_obj_pin(\(path))") { bpf_obj_pin(fd, path) } }
    }
}
