import CBPF
import Foundation

extension Program {
    /// Attaches a cgroup program (e.g. `cgroup_skb/egress`) to the cgroup v2 directory at `path`.
    /// The attach type comes from the program's section.
    public func attachCgroup(path: String) throws -> Link {
        try require(.cgroupSKB, ProgramType(rawValue: BPF_PROG_TYPE_CGROUP_SOCK.rawValue),
                    ProgramType(rawValue: BPF_PROG_TYPE_CGROUP_SOCK_ADDR.rawValue),
                    ProgramType(rawValue: BPF_PROG_TYPE_SOCK_OPS.rawValue), for: "a cgroup")
        let cgroup = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard cgroup >= 0 else {
            if errno == ENOENT { throw BPFError.notFound("cgroup \(path)") }
            throw BPFError.callFailed(call: "open(\(path))", errno: errno, message: "")
        }
        defer { Glibc.close(cgroup) } // the link holds the cgroup itself
        return try Link.attach(self, hook: "cgroup \(path) (\(spec.expectedAttachType))", call: "bpf_program__attach_cgroup") {
            bpf_program__attach_cgroup($0, cgroup)
        }
    }
}
