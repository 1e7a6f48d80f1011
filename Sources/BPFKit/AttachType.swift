import CBPF

/// A BPF attach type (`enum bpf_attach_type`), e.g. `cgroup_inet_egress` or `trace_raw_tp`.
public struct AttachType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// libbpf's name for the attach type.
    public var description: String {
        libbpf_bpf_attach_type_str(bpf_attach_type(rawValue)).map { String(cString: $0) } ?? "attach_type(\(rawValue))"
    }

    /// `BPF_CGROUP_INET_INGRESS`.
    public static let cgroupIngress = AttachType(rawValue: BPF_CGROUP_INET_INGRESS.rawValue)
    /// `BPF_CGROUP_INET_EGRESS`.
    public static let cgroupEgress = AttachType(rawValue: BPF_CGROUP_INET_EGRESS.rawValue)
    /// `BPF_TRACE_RAW_TP`.
    public static let traceRawTracepoint = AttachType(rawValue: BPF_TRACE_RAW_TP.rawValue)
    /// `BPF_TRACE_FENTRY`.
    public static let traceFentry = AttachType(rawValue: BPF_TRACE_FENTRY.rawValue)
    /// `BPF_TRACE_FEXIT`.
    public static let traceFexit = AttachType(rawValue: BPF_TRACE_FEXIT.rawValue)
    /// `BPF_MODIFY_RETURN`.
    public static let modifyReturn = AttachType(rawValue: BPF_MODIFY_RETURN.rawValue)
}
