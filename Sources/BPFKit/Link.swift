import CBPF
import Foundation

/// A BPF link: an attachment owned through one fd (XDP, tracepoint, tp_btf, cgroup).
///
/// `close()` releases this handle: an unpinned link detaches then; a pinned one stays attached
/// (that is what pinning is for) and can be re-opened with `Link.open(pinnedAt:)` after a
/// restart. `detach()` removes the attachment even when pinned. `deinit` closes.
///
/// `@unchecked Sendable`: the fd is only read or closed under `lock`.
public final class Link: @unchecked Sendable {
    /// What the link attaches, for messages (e.g. `tracepoint syscalls/sys_enter_getpid`).
    public let hook: String
    private let lock = NSLock()
    private var fd: Int32
    private var pinPath: String?

    /// Takes ownership of the link fd `fd`.
    init(fd: Int32, hook: String, pinPath: String? = nil) {
        self.fd = fd
        self.hook = hook
        self.pinPath = pinPath
    }

    deinit { close() }

    /// Attaches through a libbpf call that returns a `bpf_link`, and keeps only its fd
    /// (a duplicate; libbpf's handle is destroyed, the kernel link lives on through ours).
    static func attach(_ program: Program, hook: String, call: String,
                       _ body: (OpaquePointer) -> OpaquePointer?) throws -> Link {
        try program.withProgram { pointer, _ in
            let link = try LibBPF.pointer("\(call) (\(program.name) → \(hook))") { body(pointer) }
            return try adopt(link, hook: hook)
        }
    }

    /// Takes the fd out of a libbpf `bpf_link` (fd-based links only) and destroys the handle.
    static func adopt(_ link: OpaquePointer, hook: String) throws -> Link {
        defer { bpf_link__destroy(link) }
        let fd = fcntl(bpf_link__fd(link), F_DUPFD_CLOEXEC, 0)
        guard fd >= 0 else { throw BPFError.callFailed(call: "fcntl(F_DUPFD_CLOEXEC) on link \(hook)", errno: errno, message: "") }
        return Link(fd: fd, hook: hook)
    }

    /// Re-opens a link pinned at `path` (the attachment it holds is unchanged).
    public static func open(pinnedAt path: String) throws -> Link {
        let fd = LibBPF.call { bpf_obj_get(path) }
        guard fd >= 0 else {
            if -fd == ENOENT { throw BPFError.notFound("pinned link \(path)") }
            throw LibBPF.failure("bpf_obj_get(\(path))", code: fd)
        }
        return Link(fd: fd, hook: "pinned \(path)", pinPath: path)
    }

    private func withFD<T>(_ body: (Int32) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0 else { throw BPFError.closed("link \(hook)") }
        return try body(fd)
    }

    /// Pins the link at `path` on bpffs, so it outlives this handle and this process.
    public func pin(at path: String) throws {
        try BPFFileSystem.ensureMounted()
        try withFD { fd in
            try LibBPF.check("bpf_obj_pin(\(path))") { bpf_obj_pin(fd, path) }
            pinPath = path
        }
    }

    /// Removes the pin made by `pin(at:)` or opened by `open(pinnedAt:)`.
    public func unpin() throws {
        try withFD { _ in
            guard let path = pinPath else { return }
            try BPFFileSystem.unpin(path)
            pinPath = nil
        }
    }

    /// Detaches the program now, pinned or not, then closes this handle.
    public func detach() throws {
        _ = try withFD { fd in try LibBPF.check("bpf_link_detach(\(hook))") { bpf_link_detach(fd) } }
        close()
    }

    /// Releases this handle (idempotent): detaches unless the link is pinned.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
