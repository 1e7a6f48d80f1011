import AeolusModel
import BPFKit
import Foundation

/// One probe as the applier holds it: the object (when loaded by this process), its handles on
/// attachments, and what went wrong. Confined to the kernel queue (see `Applier`).
final class ProbeRuntime {
    /// A handle on one attachment.
    enum Handle {
        /// A tc filter (no fd; identified by `TCAttachment`).
        case tc(TCLink, programID: UInt32)
        /// A pinned fd-based link.
        case link(Link, pin: String, programID: UInt32)

        var programID: UInt32 {
            switch self {
            case let .tc(_, id), let .link(_, _, id): return id
            }
        }
    }

    /// Why a probe is not (fully) live.
    struct Failure: Hashable {
        var reason: String
        var verifierLog: String?
    }

    var assignment: ProbeAssignment
    /// The bpffs folder of this version.
    let directory: String
    /// Map name → pin path.
    var maps: [String: String]
    /// The object, when this process loaded it (nil after adoption until an attach needs it).
    var object: LoadedObject?
    var handles: [AttachPoint: Handle] = [:]
    /// Set when loading failed: nothing is in the kernel.
    var loadFailure: Failure?
    /// Attach points that could not be attached, with the reason.
    var attachErrors: [AttachPoint: String] = [:]
    /// Wanted attach points that cannot exist (from the plan).
    var problems: [String] = []
    /// When the assignment asking for this version arrived, and when it was loaded and attached
    /// (nil for adopted probes).
    var received: Date?
    var attached: Date?

    init(assignment: ProbeAssignment, directory: String, maps: [String: String] = [:]) {
        self.assignment = assignment
        self.directory = directory
        self.maps = maps
    }

    var isLoaded: Bool { loadFailure == nil }

    var actual: ActualProbe {
        ActualProbe(assignment: assignment, loaded: isLoaded, points: Set(handles.keys))
    }

    var record: ProbeRecord {
        ProbeRecord(assignment: assignment, directory: directory, maps: maps,
                    attachments: handles.keys.sorted().map { point in
                        switch handles[point]! {
                        case let .tc(link, id): return .init(point: point, programID: id, tc: link.attachment)
                        case let .link(_, pin, id): return .init(point: point, programID: id, linkPin: pin)
                        }
                    })
    }

    /// The generation folder name for `assignment`: changes whenever a reload is needed.
    static func generation(of assignment: ProbeAssignment) -> String {
        AgentPaths.shortHash("\(assignment.digest)|\(assignment.load.rodata.sorted { $0.key < $1.key })|\(assignment.load.maxEntries.sorted { $0.key < $1.key })|\(assignment.programs)")
    }
}
