import CBPF

extension Program {
    /// Attaches a BTF tracing program to the kernel target named in its section:
    /// `tp_btf/<tracepoint>` (raw tracepoint with BTF; needs no tracefs) or
    /// `fentry/`/`fexit/<function>`. Throws `BPFError.hookNotSupported` when the kernel refuses
    /// fentry/fexit (EPERM, e.g. under lockdown).
    public func attachTracing() throws -> Link {
        try require(.tracing, for: "tp_btf/fentry/fexit")
        let isFunctionHook = spec.expectedAttachType != .traceRawTracepoint
        do {
            return try Link.attach(self, hook: spec.section, call: "bpf_program__attach_trace") {
                bpf_program__attach_trace($0)
            }
        } catch let error as BPFError where isFunctionHook && error.errno == EPERM {
            throw BPFError.hookNotSupported("fentry/fexit: this kernel refuses \(spec.section) for program '\(name)' (EPERM, lockdown); use a tracepoint or tp_btf")
        }
    }
}
