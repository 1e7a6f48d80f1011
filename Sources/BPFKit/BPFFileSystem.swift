import Foundation

/// The BPF file system (bpffs), where maps, programs and links are pinned.
public enum BPFFileSystem {
    /// The usual mount point.
    public static let path = "/sys/fs/bpf"

    /// Mounts bpffs at /sys/fs/bpf if it is not mounted (pinning needs it).
    public static func ensureMounted() throws {
        try Mounts.ensure(path, type: "bpf", source: "bpf")
    }

    /// Removes the pin at `path` (the object lives on while something else holds it);
    /// returns false if there was none.
    @discardableResult
    public static func unpin(_ path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw BPFError.callFailed(call: "unlink(\(path))", errno: errno, message: "")
    }
}
