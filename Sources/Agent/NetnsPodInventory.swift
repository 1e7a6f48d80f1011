import Foundation
import Yams

/// The embedded inventory: pods are named network namespaces (`/run/netns/NAME`).
///
/// With a pods file (JSON or YAML: a list of `{name, namespace, labels, netns, interface,
/// hostInterface}`), the pods are the file's entries whose network namespace exists; the file is
/// re-read whenever it changes. Without one, every named network namespace is a pod called after
/// it, in namespace `default`, labelled `name=<netns>`, with interface `eth0`.
public struct NetnsPodInventory: PodInventory {
    /// The directory of named network namespaces.
    public var netnsDirectory: String
    /// The pods file, if any.
    public var podsFile: String?

    /// Creates an inventory.
    public init(podsFile: String? = nil, netnsDirectory: String = "/run/netns") {
        self.podsFile = podsFile
        self.netnsDirectory = netnsDirectory
    }

    /// One entry of the pods file (everything but `name` optional).
    struct Entry: Decodable {
        var name: String
        var namespace: String?
        var labels: [String: String]?
        var netns: String?
        var interface: String?
        var hostInterface: String?
    }

    public var source: String { podsFile == nil ? "netns" : "file" }

    public func pods() throws -> [Pod] {
        guard let podsFile else {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: netnsDirectory)) ?? []
            return names.sorted().map { Pod(name: $0, labels: ["name": $0], netns: "\(netnsDirectory)/\($0)") }
        }
        return try Self.read(podsFile, netnsDirectory: netnsDirectory).filter { FileManager.default.fileExists(atPath: $0.netns) }
    }

    /// Reads a pods file: relative `netns` values are names under `netnsDirectory`; a missing
    /// one is the pod's name.
    static func read(_ path: String, netnsDirectory: String) throws -> [Pod] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw AgentError.inputUnreadable(path: path, reason: "\(error)")
        }
        let entries: [Entry]
        do {
            entries = text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? [] : try YAMLDecoder().decode([Entry].self, from: text)
        } catch {
            throw AgentError.inputUnreadable(path: path, reason: "expected a list of {name, namespace, labels, netns, interface, hostInterface}: \(error)")
        }
        return entries.map { entry in
            let netns = entry.netns ?? entry.name
            return Pod(name: entry.name, namespace: entry.namespace ?? "default", labels: entry.labels ?? [:],
                       netns: netns.hasPrefix("/") ? netns : "\(netnsDirectory)/\(netns)",
                       interface: entry.interface ?? "eth0", hostInterface: entry.hostInterface)
        }
    }
}
