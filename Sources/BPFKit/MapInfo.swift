import CBPF

/// The kernel's information about a map (`bpf_map_info`), read from any fd on it.
public struct MapInfo: Hashable, Sendable {
    /// The kernel's map id.
    public let id: UInt32
    /// The name as the kernel stores it (at most 15 characters).
    public let name: String
    /// The map type.
    public let type: MapType
    /// Key size in bytes.
    public let keySize: UInt32
    /// Value size in bytes (per CPU for per-CPU maps).
    public let valueSize: UInt32
    /// Maximum number of entries.
    public let maxEntries: UInt32
    /// `BPF_F_*` flags.
    public let flags: UInt32

    init(fd: Int32) throws {
        var info = bpf_map_info()
        let rc = aeolus_map_info(fd, &info)
        if rc < 0 { throw BPFError.callFailed(call: "bpf_obj_get_info_by_fd(map)", errno: -rc, message: "") }
        id = info.id
        name = withUnsafeBytes(of: info.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        type = MapType(rawValue: info.type)
        keySize = info.key_size
        valueSize = info.value_size
        maxEntries = info.max_entries
        flags = info.map_flags
    }
}
