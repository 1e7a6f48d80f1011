import CNetlink
import Foundation

/// A network namespace as a file (`/run/netns/NAME`, `/proc/PID/ns/net`) and its identity.
///
/// Two files name the same namespace when their device and inode agree (nsfs gives every
/// namespace one inode), which is how a pod's namespace is found once however many paths lead to it.
public struct NetworkNamespaceFile: Sendable, Hashable, CustomStringConvertible {
    /// The file that names the namespace.
    public var path: String
    /// The namespace's identity: nsfs device and inode.
    public var id: ID

    /// A namespace's identity.
    public struct ID: Sendable, Hashable, CustomStringConvertible {
        /// The nsfs device.
        public var device: UInt64
        /// The nsfs inode (what `ip netns identify` and `/proc/PID/ns/net` show as `net:[inode]`).
        public var inode: UInt64

        /// An identity.
        public init(device: UInt64, inode: UInt64) {
            self.device = device
            self.inode = inode
        }

        public var description: String { "net:[\(inode)]" }
    }

    /// The namespace named by `path`; nil when the file does not exist or is not readable.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.path = path
        id = ID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The namespace this process runs in (the node's own, for an agent on the host network).
    public static var current: NetworkNamespaceFile? { NetworkNamespaceFile(path: "/proc/self/ns/net") }

    public var description: String { "\(path) (\(id))" }

    /// Runs `body` on a thread of its own inside the namespace at `path`, and waits for it; nil
    /// runs it in place. The thread exists only for `body`, so no other code ever runs in the
    /// wrong namespace; netlink sockets opened by `body` talk to that namespace.
    public static func run<T: Sendable>(in path: String?, _ body: @escaping @Sendable () throws -> T) throws -> T {
        guard let path else { return try body() }
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = Result {
                let target = open(path, O_RDONLY | O_CLOEXEC)
                guard target >= 0 else { throw NetKitError.callFailed(call: "open(\(path))", errno: errno) }
                defer { close(target) }
                // The thread ends after `body`, so it never has to find its way back.
                guard aeolus_netkit_setns_net(target) == 0 else {
                    throw NetKitError.callFailed(call: "setns(\(path), CLONE_NEWNET)", errno: errno)
                }
                return try body()
            }
            done.signal()
        }
        thread.name = "netkit-netns"
        thread.start()
        done.wait()
        return try box.result!.get()
    }

    /// The result handed from the namespace thread to the waiting one.
    /// `@unchecked Sendable`: written once before `done.signal()`, read once after `done.wait()`.
    private final class ResultBox<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }
}
