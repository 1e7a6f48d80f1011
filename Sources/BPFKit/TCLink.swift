import CBPF
import Foundation
import ProcessKit

/// A tc filter running a BPF program: owns the attachment and removes it on `close()`.
///
/// tc filters are not tied to an fd, so they survive the process. To keep one across a
/// restart, store `attachment`, call `release()` instead of `close()`, and later
/// `TCLink.adopt(attachment)`.
///
/// `@unchecked Sendable`: `owned` is only read or changed under `lock`.
public final class TCLink: @unchecked Sendable {
    /// Where the filter sits.
    public let attachment: TCAttachment
    private let lock = NSLock()
    private var owned = true

    fileprivate init(attachment: TCAttachment) { self.attachment = attachment }

    deinit { close() }

    /// Takes ownership of a filter left by an earlier run, after checking it is still there.
    public static func adopt(_ attachment: TCAttachment) throws -> TCLink {
        guard let id = try attachment.query() else { throw BPFError.notFound("\(attachment)") }
        guard id == attachment.programID else {
            throw BPFError.invalidArgument("\(attachment) now runs program \(id), not \(attachment.programID)")
        }
        return TCLink(attachment: attachment)
    }

    /// Gives up ownership without detaching (the filter stays); returns where it is.
    @discardableResult
    public func release() -> TCAttachment {
        lock.lock()
        owned = false
        lock.unlock()
        return attachment
    }

    /// Removes the filter (idempotent; a no-op after `release()`). Errors are swallowed here
    /// (the interface may be gone already); call `attachment.detach()` to see them.
    public func close() {
        lock.lock()
        let wasOwned = owned
        owned = false
        lock.unlock()
        if wasOwned { _ = try? attachment.detach() }
    }
}

extension Program {
    /// Attaches a tc (`SEC("tc")`, sched_cls) program to `interface` inside the network
    /// namespace at `namespace` (nil: this process's own), creating the clsact qdisc if needed.
    ///
    /// - Parameters:
    ///   - priority: the filter priority; 0 lets the kernel pick.
    ///   - handle: the filter handle; 0 lets the kernel pick.
    public func attachTC(interface: String, direction: TCAttachment.Direction, namespace: String? = nil,
                         priority: UInt32 = 0, handle: UInt32 = 0) throws -> TCLink {
        try require(.schedCLS, ProgramType(rawValue: BPF_PROG_TYPE_SCHED_ACT.rawValue), for: "tc")
        let ingress: Int32 = direction == .ingress ? 1 : 0
        let attachment = try withProgram { _, fd in
            try NetworkNamespaceThread.run(in: namespace) {
                let index = try NetworkNamespaceThread.interfaceIndex(interface, namespace: namespace)
                try LibBPF.check("bpf_tc_hook_create(\(interface) \(direction))") { aeolus_tc_hook_create(index, ingress) }
                var handleOut: UInt32 = 0, priorityOut: UInt32 = 0, id: UInt32 = 0
                try LibBPF.check("bpf_tc_attach(\(interface) \(direction))") {
                    aeolus_tc_attach(index, ingress, fd, handle, priority, &handleOut, &priorityOut, &id)
                }
                return TCAttachment(namespace: namespace, interface: interface, ifindex: index, direction: direction,
                                    handle: handleOut, priority: priorityOut, programID: id)
            }
        }
        return TCLink(attachment: attachment)
    }

    /// Attaches on a dedicated thread (netlink blocks): for async callers.
    public func attachTC(interface: String, direction: TCAttachment.Direction, namespace: String? = nil,
                         priority: UInt32 = 0, handle: UInt32 = 0) async throws -> TCLink {
        try await DedicatedThread.run("bpfkit-tc") {
            try self.attachTC(interface: interface, direction: direction, namespace: namespace,
                              priority: priority, handle: handle)
        }
    }
}
