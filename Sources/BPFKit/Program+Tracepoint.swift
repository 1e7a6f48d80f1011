import CBPF

extension Program {
    /// Attaches a `tracepoint` program to `category:name` (e.g. `syscalls`, `sys_enter_getpid`).
    /// Mounts tracefs first if needed: libbpf reads the tracepoint's id there.
    public func attachTracepoint(category: String, name: String) throws -> Link {
        try require(.tracepoint, for: "a tracepoint")
        try TraceFS.ensureMounted()
        return try Link.attach(self, hook: "tracepoint \(category)/\(name)", call: "bpf_program__attach_tracepoint") {
            bpf_program__attach_tracepoint($0, category, name)
        }
    }
}
