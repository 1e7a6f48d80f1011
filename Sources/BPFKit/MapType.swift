import CBPF

/// A BPF map type (`enum bpf_map_type`), e.g. `hash`, `percpu_array`, `ringbuf`.
public struct MapType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// libbpf's name for the map type.
    public var description: String {
        libbpf_bpf_map_type_str(bpf_map_type(rawValue)).map { String(cString: $0) } ?? "map_type(\(rawValue))"
    }

    /// True for maps that hold one value per possible CPU.
    public var isPerCPU: Bool {
        [Self.percpuHash, .percpuArray, .lruPercpuHash, Self(rawValue: BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE.rawValue)].contains(self)
    }

    /// `BPF_MAP_TYPE_HASH`.
    public static let hash = MapType(rawValue: BPF_MAP_TYPE_HASH.rawValue)
    /// `BPF_MAP_TYPE_ARRAY`.
    public static let array = MapType(rawValue: BPF_MAP_TYPE_ARRAY.rawValue)
    /// `BPF_MAP_TYPE_PERCPU_HASH`.
    public static let percpuHash = MapType(rawValue: BPF_MAP_TYPE_PERCPU_HASH.rawValue)
    /// `BPF_MAP_TYPE_PERCPU_ARRAY`.
    public static let percpuArray = MapType(rawValue: BPF_MAP_TYPE_PERCPU_ARRAY.rawValue)
    /// `BPF_MAP_TYPE_LRU_HASH`.
    public static let lruHash = MapType(rawValue: BPF_MAP_TYPE_LRU_HASH.rawValue)
    /// `BPF_MAP_TYPE_LRU_PERCPU_HASH`.
    public static let lruPercpuHash = MapType(rawValue: BPF_MAP_TYPE_LRU_PERCPU_HASH.rawValue)
    /// `BPF_MAP_TYPE_RINGBUF`.
    public static let ringbuf = MapType(rawValue: BPF_MAP_TYPE_RINGBUF.rawValue)
}
