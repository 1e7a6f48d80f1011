import CBPF
import Foundation

extension ProgramInfo {
    /// The kernel's information about the loaded program with kernel id `id`, e.g. the program a
    /// tc filter or a pinned link left by an earlier process runs. Throws `notFound` once the
    /// program is gone.
    public init(id: UInt32) throws {
        let fd = LibBPF.call { bpf_prog_get_fd_by_id(id) }
        guard fd >= 0 else {
            let code = fd == -1 ? Glibc.errno : -fd
            if code == ENOENT { throw BPFError.notFound("BPF program with id \(id)") }
            throw LibBPF.failure("bpf_prog_get_fd_by_id(\(id))", code: code)
        }
        defer { Glibc.close(fd) }
        try self.init(fd: fd)
    }
}
