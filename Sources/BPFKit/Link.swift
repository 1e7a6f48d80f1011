import CBPF
import Foundation

/// A BPF link: an attachment owned through an fd (XDP, tracepoint, tp_btf, cgroup).
///
/// `close()` releases this handle: an unpinned link detaches then; a pinned one stays attached
/// (that is what pinning is for) and can be re-opened with `Link.open(pinnedAt:)` after a
/// restart. `detach()` removes the attachment even when pinned. `deinit` closes.
///
/// `@unchecked Sendable`: the libbpf link is only touched under `lock`.
public final class Link: @unchecked Sendable {
    /// What the link attaches, for messages (e.g. `tracepoint syscalls/sys_enter_getpid`).
    public let hook: String
    private let lock = NSLock()
    private var pointer: OpaquePointer?

    init(pointer: OpaquePointer, hook: String) {
        self.pointer = pointer
        self.hook = hook
    }

    deinit { close() }

    /// Attaches through a libbpf call that returns a `bpf_link` (NULL and errno on failure).
    static func attach(_ program: Program, hook: String, call: String,
                       _ body: (OpaquePointer) -> OpaquePointer?) throws -> Link {
        try program.withProgram { pointer, _ in
            Link(pointer: try LibBPF.pointer("\(call) (\(program.name) → \(hook))") { body(pointer) }, hook: hook)
        }
    }

    /// Re-opens a link pinned at `path` (the attachment it holds is unchanged).
    public static func open(pinnedAt path: String) throws -> Link {
        let pointer = LibBPF.call { bpf_link__open(path) }
        guard let pointer else {
            if errno == ENOENT { throw BPFError.notFound("pinned link \(path)") }
            throw LibBPF.failure("bpf_link__open(\(path))", code: errno)
        }
        return Link(pointer: pointer, hook: "pinned \(path)")
    }

    private func withLink<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let pointer else { throw BPFError.closed("link \(hook)") }
        return try body(pointer)
    }

    /// The link's fd.
    public var fd: Int32 { get throws { try withLink { bpf_link__fd($0) } } }

    /// Pins the link at `path` on bpffs, so it outlives this process.
    public func pin(at path: String) throws {
        try BPFFileSystem.ensureMounted()
        _ = try withLink { link in try LibBPF.check("bpf_link__pin(\(path))") { bpf_link__pin(link, path) } }
    }

    /// Removes the pin made by `pin(at:)` or opened by `open(pinnedAt:)`.
    public func unpin() throws {
        _ = try withLink { link in try LibBPF.check("bpf_link__unpin(\(hook))") { bpf_link__unpin(link) } }
    }

    /// Detaches the program now, pinned or not, then closes this handle.
    public func detach() throws {
        _ = try withLink { link in try LibBPF.check("bpf_link__detach(\(hook))") { bpf_link__detach(link) } }
        close()
    }

    /// Releases this handle (idempotent): detaches unless the link is pinned.
    public func close() {
        lock.lock()
        let pointer = self.pointer
        self.pointer = nil
        lock.unlock()
        if let pointer { bpf_link__destroy(pointer) }
    }
}
