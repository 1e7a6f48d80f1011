import Foundation

/// What an agent has actually running on its node, written as `<state-dir>/probes.json` for the
/// collector (JSON, sorted keys, written atomically: a temporary file renamed over the old one).
///
/// The collector needs nothing else to read the probes' maps: each probe carries its metric
/// specs (copied from the template) and the bpffs pin path of every map.
public struct NodeProbeState: Sendable, Hashable, Codable {
    /// The node's name.
    public var node: String
    /// When the agent wrote this state.
    public var updated: Date
    /// Every probe the agent knows of, live or not.
    public var probes: [ProbeState]

    /// The file name inside the agent's state directory.
    public static let fileName = "probes.json"

    /// Creates a node's state.
    public init(node: String, updated: Date = Date(), probes: [ProbeState] = []) {
        self.node = node
        self.updated = updated
        self.probes = probes
    }

    /// The JSON encoder of the wire format: sorted keys, RFC 3339 dates with milliseconds.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = WireDate.encoding
        encoder.nonConformingFloatEncodingStrategy = WireFloat.encoding
        return encoder
    }

    /// The JSON decoder of the wire format.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = WireDate.decoding
        decoder.nonConformingFloatDecodingStrategy = WireFloat.decoding
        return decoder
    }

    /// The state as JSON bytes (the wire format).
    public func encoded() throws -> Data { try Self.makeEncoder().encode(self) }

    /// Decodes the wire format.
    public static func decode(_ data: Data) throws -> NodeProbeState {
        try makeDecoder().decode(NodeProbeState.self, from: data)
    }

    /// Writes `<directory>/probes.json` atomically (temporary file, then rename).
    public func write(toDirectory directory: String) throws {
        let path = directory + "/" + Self.fileName
        let temporary = path + ".tmp-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try encoded().write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                NSLocalizedDescriptionKey: "rename(\(temporary), \(path)) failed: \(String(cString: strerror(code)))"])
        }
    }
}

/// One probe on a node: which template with which parameters, whether it runs, where it is
/// attached and where its maps are pinned.
public struct ProbeState: Sendable, Hashable, Codable {
    /// Whether the probe runs.
    public enum Phase: String, Sendable, Hashable, Codable, CaseIterable {
        /// Loaded and attached.
        case live
        /// Could not be loaded or attached (see `reason`, `verifierLog`).
        case failed
        /// Not loaded yet.
        case pending
    }

    /// Where one program of the probe is attached.
    public struct Attachment: Sendable, Hashable, Codable {
        /// The hook kind (`tc`, `xdp`, `tracepoint`, `tp_btf`, ...).
        public var hook: String
        /// The tracepoint name or the interface name.
        public var target: String
        /// The network namespace file of the interface, nil for the node's own.
        public var netns: String?
        /// The pod owning the interface, if any.
        public var pod: String?
        /// The pod's namespace, if any.
        public var namespace: String?
        /// The interface index (inside `netns`), for tc and XDP.
        public var ifindex: Int?

        /// Creates an attachment.
        public init(hook: String, target: String, netns: String? = nil, pod: String? = nil,
                    namespace: String? = nil, ifindex: Int? = nil) {
            self.hook = hook
            self.target = target
            self.netns = netns
            self.pod = pod
            self.namespace = namespace
            self.ifindex = ifindex
        }
    }

    /// Run-time statistics of the probe's programs (`kernel.bpf_stats_enabled`).
    public struct Stats: Sendable, Hashable, Codable {
        /// How many times the programs ran.
        public var runCount: UInt64
        /// Total time spent in the programs, nanoseconds.
        public var runTimeNs: UInt64

        /// Creates statistics.
        public init(runCount: UInt64, runTimeNs: UInt64) {
            self.runCount = runCount
            self.runTimeNs = runTimeNs
        }
    }

    /// The policy or reaction id that asked for the probe.
    public var id: String
    /// The template's name.
    public var template: String
    /// The sha256 digest of the loaded object.
    public var digest: String
    /// live, failed or pending.
    public var state: Phase
    /// Why the probe is not live, if it is not.
    public var reason: String?
    /// The verifier's log excerpt when loading failed.
    public var verifierLog: String?
    /// The parameters the probe was loaded with.
    public var parameters: [String: String]
    /// Where the probe's programs are attached.
    public var attachments: [Attachment]
    /// Map name → bpffs pin path.
    public var maps: [String: String]
    /// How the collector reads the maps (copied from the template).
    public var metrics: [MetricSpec]
    /// Run-time statistics, when known.
    public var stats: Stats?
    /// The assignment's annotations, echoed.
    public var annotations: [String: String]?
    /// When this agent received the assignment that asked for the probe's current version.
    public var received: Date?
    /// When this agent had loaded and attached that version (nil for probes adopted from an
    /// earlier agent).
    public var attached: Date?

    /// Creates a probe state.
    public init(id: String, template: String, digest: String = "", state: Phase, reason: String? = nil,
                verifierLog: String? = nil, parameters: [String: String] = [:], attachments: [Attachment] = [],
                maps: [String: String] = [:], metrics: [MetricSpec] = [], stats: Stats? = nil,
                annotations: [String: String]? = nil, received: Date? = nil, attached: Date? = nil) {
        self.id = id
        self.template = template
        self.digest = digest
        self.state = state
        self.reason = reason
        self.verifierLog = verifierLog
        self.parameters = parameters
        self.attachments = attachments
        self.maps = maps
        self.metrics = metrics
        self.stats = stats
        self.annotations = annotations
        self.received = received
        self.attached = attached
    }
}

extension ProbeState {
    /// The probe without its run-time statistics, which change whenever it runs: what to compare
    /// to tell whether the probe itself changed.
    public var withoutStats: ProbeState {
        var probe = self
        probe.stats = nil
        return probe
    }
}
