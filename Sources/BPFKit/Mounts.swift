import Foundation

/// Mounting the pseudo file systems BPF needs, when they are missing (a fresh machine has neither).
enum Mounts {
    /// Serialises check-then-mount within the process (parallel callers would mount twice).
    private static let lock = NSLock()

    /// True when a file system of `type` is mounted at `path`.
    static func isMounted(_ path: String, type: String) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return false }
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[1] == path && fields[2] == type
        }
    }

    /// Mounts `type` at `path` unless one is already there.
    static func ensure(_ path: String, type: String, source: String) throws {
        lock.lock()
        defer { lock.unlock() }
        if isMounted(path, type: type) { return }
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard mount(source, path, type, 0, nil) == 0 else {
            throw BPFError.callFailed(call: "mount(-t \(type) \(source) \(path))", errno: errno,
                                      message: "mount it by hand or run as root")
        }
    }
}
