/// A map declared in a compiled object, as read from the ELF (no kernel state).
public struct MapSpec: Hashable, Sendable, Codable {
    /// The map's name (`.rodata`-style internal maps carry libbpf's internal name).
    public let name: String
    /// The map type.
    public let type: MapType
    /// Key size in bytes.
    public let keySize: UInt32
    /// Value size in bytes (per CPU for per-CPU maps).
    public let valueSize: UInt32
    /// Maximum number of entries.
    public let maxEntries: UInt32
    /// `BPF_F_*` map flags.
    public let flags: UInt32
    /// True for maps libbpf made from global data sections (`.rodata`, `.data`, `.bss`).
    public let isInternal: Bool
}
