import CBPF

/// A BPF program type (`enum bpf_prog_type`), e.g. `sched_cls` for tc.
public struct ProgramType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// libbpf's name for the type (`sched_cls`, `xdp`, `tracepoint`, `tracing`, ...).
    public var description: String {
        libbpf_bpf_prog_type_str(bpf_prog_type(rawValue)).map { String(cString: $0) } ?? "prog_type(\(rawValue))"
    }

    /// `BPF_PROG_TYPE_KPROBE`.
    public static let kprobe = ProgramType(rawValue: BPF_PROG_TYPE_KPROBE.rawValue)
    /// `BPF_PROG_TYPE_SCHED_CLS`.
    public static let schedCLS = ProgramType(rawValue: BPF_PROG_TYPE_SCHED_CLS.rawValue)
    /// `BPF_PROG_TYPE_TRACEPOINT`.
    public static let tracepoint = ProgramType(rawValue: BPF_PROG_TYPE_TRACEPOINT.rawValue)
    /// `BPF_PROG_TYPE_XDP`.
    public static let xdp = ProgramType(rawValue: BPF_PROG_TYPE_XDP.rawValue)
    /// `BPF_PROG_TYPE_CGROUP_SKB`.
    public static let cgroupSKB = ProgramType(rawValue: BPF_PROG_TYPE_CGROUP_SKB.rawValue)
    /// `BPF_PROG_TYPE_TRACING`.
    public static let tracing = ProgramType(rawValue: BPF_PROG_TYPE_TRACING.rawValue)
}
