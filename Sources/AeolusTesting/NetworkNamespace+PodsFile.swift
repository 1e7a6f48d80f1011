import Foundation

extension NetworkNamespace {
    /// Writes an agent pods file (`aeolus agent --pods`) naming `pods` (namespace → labels), all in
    /// Kubernetes namespace `default`; atomically, as the agent re-reads it when it changes.
    public static func writePodsFile(_ pods: [(NetworkNamespace, [String: String])], to path: String) throws {
        let entries: [[String: Any]] = pods.map { namespace, labels in
            ["name": namespace.name, "namespace": "default", "labels": labels, "netns": namespace.path,
             "interface": namespace.interface, "hostInterface": namespace.hostInterface]
        }
        try JSONSerialization.data(withJSONObject: entries).write(to: URL(fileURLWithPath: path + ".tmp"))
        guard rename(path + ".tmp", path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
