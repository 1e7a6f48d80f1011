import Crypto
import Foundation

/// Where the agent keeps things: its records under the state directory and its pins under
/// `<bpffs>/aeolus/<node>/`. One probe version lives in `<probe-key>/<generation>/` so that a
/// replacement (make-before-break) never collides with the version it replaces.
public struct AgentPaths: Sendable, Hashable {
    /// The node's name.
    public var node: String
    /// The bpffs mount (normally `/sys/fs/bpf`).
    public var bpffs: String
    /// The agent's state directory (records, `probes.json`).
    public var stateDirectory: String

    /// Creates the layout.
    public init(node: String, bpffs: String, stateDirectory: String) {
        self.node = node
        self.bpffs = bpffs
        self.stateDirectory = stateDirectory
    }

    /// `<bpffs>/aeolus/<node>`: everything this agent pins.
    public var pinRoot: String { "\(bpffs)/aeolus/\(Self.sanitise(node))" }
    /// `<state-dir>/probes`: one record per live probe.
    public var recordDirectory: String { "\(stateDirectory)/probes" }

    /// The file name part for a probe id: safe characters plus a short hash (ids differing only
    /// in unsafe characters stay apart).
    public static func key(forProbe id: String) -> String {
        "\(sanitise(id))-\(shortHash(id))"
    }

    /// The record file of probe `id`.
    public func record(forProbe id: String) -> String { "\(recordDirectory)/\(Self.key(forProbe: id)).json" }

    /// The probe's pin folder (all its versions).
    public func probeDirectory(forProbe id: String) -> String { "\(pinRoot)/\(Self.key(forProbe: id))" }

    /// The pin folder of one version of the probe (by digest and load settings).
    public func versionDirectory(forProbe id: String, generation: String) -> String {
        "\(probeDirectory(forProbe: id))/\(generation)"
    }

    /// A pin name for the link of `point`.
    public static func linkName(for point: AttachPoint) -> String {
        "\(sanitise(point.program))-\(shortHash("\(point.hook.rawValue)|\(point.target)|\(point.netns ?? "")|\(point.pod ?? "")"))"
    }

    /// Keeps `[A-Za-z0-9_.-]`, turns the rest into `_`, and bounds the length.
    static func sanitise(_ text: String) -> String {
        let safe = text.unicodeScalars.map { scalar -> Character in
            (scalar.properties.isASCIIHexDigit || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || "_.-".unicodeScalars.contains(scalar)) ? Character(scalar) : "_"
        }
        return String(String(safe).prefix(64))
    }

    /// The first 8 hex digits of the SHA-256 of `text`.
    static func shortHash(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    /// `sha256:<hex>` of `bytes`, the digest format of assignments.
    public static func digest(of bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
