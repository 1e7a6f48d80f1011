import AeolusModel
import BPFKit

/// What the agent persists about one live probe, so that a restarted agent (even after SIGKILL)
/// can find, check and adopt or remove everything the probe left in the kernel.
///
/// Stored as `<state-dir>/probes/<probe-key>.json`.
public struct ProbeRecord: Sendable, Hashable, Codable {
    /// One attachment of the probe.
    public struct Attachment: Sendable, Hashable, Codable {
        /// Where it is.
        public var point: AttachPoint
        /// The kernel id of the program it runs.
        public var programID: UInt32
        /// For tc: the filter's identity (tc filters hold no fd and cannot be pinned).
        public var tc: TCAttachment?
        /// For fd-based links (XDP, tracepoint, tp_btf, cgroup): the bpffs pin of the link.
        public var linkPin: String?

        /// Creates an attachment record.
        public init(point: AttachPoint, programID: UInt32, tc: TCAttachment? = nil, linkPin: String? = nil) {
            self.point = point
            self.programID = programID
            self.tc = tc
            self.linkPin = linkPin
        }
    }

    /// The assignment the probe runs.
    public var assignment: ProbeAssignment
    /// The bpffs directory of this version of the probe (maps under `maps/`, links under `links/`).
    public var directory: String
    /// Map name → pin path.
    public var maps: [String: String]
    /// Every attachment.
    public var attachments: [Attachment]

    /// Creates a record.
    public init(assignment: ProbeAssignment, directory: String, maps: [String: String], attachments: [Attachment]) {
        self.assignment = assignment
        self.directory = directory
        self.maps = maps
        self.attachments = attachments
    }
}
