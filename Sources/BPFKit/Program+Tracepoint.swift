import CBPF
import Foundation

extension Program {
    /// Attaches a `tracepoint` program to `category:name` (e.g. `syscalls`, `sys_enter_getpid`).
    /// Mounts tracefs first if needed: the tracepoint's id is read there.
    public func attachTracepoint(category: String, name: String) throws -> Link {
        try require(.tracepoint, for: "a tracepoint")
        try TraceFS.ensureMounted()
        let hook = "tracepoint \(category)/\(name)"
        let idFile = "\(TraceFS.path)/events/\(category)/\(name)/id"
        guard let text = try? String(contentsOfFile: idFile, encoding: .utf8),
              let id = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BPFError.notFound("\(hook): no \(idFile)")
        }
        return try withProgram { _, fd in
            let link = aeolus_tracepoint_link(fd, id)
            guard link >= 0 else { throw BPFError.callFailed(call: "perf_event_open + bpf_link_create (\(self.name) → \(hook))", errno: -link, message: "") }
            return Link(fd: link, hook: hook)
        }
    }
}
