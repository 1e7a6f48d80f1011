import CBPF
import Foundation
import ProcessKit

/// Runs work with the calling thread inside a network namespace (netlink, ifindex lookup).
///
/// The work runs on a dedicated thread that enters the namespace with `setns` and returns to
/// the original one before it ends, so no other code ever runs in the wrong namespace.
enum NetworkNamespaceThread {
    /// Runs `body` inside the namespace at `path` (e.g. `/run/netns/NAME`); nil runs it in place.
    static func run<T: Sendable>(in path: String?, _ body: @escaping @Sendable () throws -> T) throws -> T {
        guard let path else { return try body() }
        return try DedicatedThread.runAndWait("bpfkit-netns") {
            let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            guard original >= 0 else { throw BPFError.callFailed(call: "open(/proc/thread-self/ns/net)", errno: errno, message: "") }
            defer { close(original) }
            let target = open(path, O_RDONLY | O_CLOEXEC)
            guard target >= 0 else {
                let code = errno
                if code == ENOENT { throw BPFError.notFound("network namespace \(path)") }
                throw BPFError.callFailed(call: "open(\(path))", errno: code, message: "")
            }
            defer { close(target) }
            guard aeolus_setns_net(target) == 0 else {
                throw BPFError.callFailed(call: "setns(\(path), CLONE_NEWNET)", errno: errno, message: "")
            }
            defer { _ = aeolus_setns_net(original) }
            return try body()
        }
    }

    /// The index of interface `name` in the calling thread's namespace.
    static func interfaceIndex(_ name: String, namespace: String?) throws -> Int32 {
        let index = if_nametoindex(name)
        guard index != 0 else {
            throw BPFError.notFound("interface '\(name)' in network namespace \(namespace ?? "of this process")")
        }
        return Int32(index)
    }
}
