import CBPF

extension Program {
    /// Attaches a `tp_btf` program (raw tracepoint with BTF) to the tracepoint named in its
    /// section, e.g. `SEC("tp_btf/sched_switch")`. Needs no tracefs.
    public func attachRawTracepoint() throws -> Link {
        try require(.tracing, for: "tp_btf")
        guard spec.expectedAttachType == .traceRawTracepoint else {
            throw BPFError.hookNotSupported("\(spec.expectedAttachType): program '\(name)' (SEC(\"\(spec.section)\")) is fentry/fexit, which this kernel refuses; use tp_btf or a tracepoint")
        }
        return try Link.attach(self, hook: spec.section, call: "bpf_program__attach_trace") {
            bpf_program__attach_trace($0)
        }
    }
}
