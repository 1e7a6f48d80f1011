import AeolusModel
import BPFKit
import Foundation

extension Applier {
    /// What `adopt()` found.
    public struct Adoption: Sendable, Hashable {
        /// Probes taken over from the records.
        public var probes: [String]
        /// Attachments that were still live and are now owned again.
        public var attachments: Int
        /// Recorded attachments that were gone (they are attached again if still wanted).
        public var lost: Int
        /// Pin folders no record explains, removed.
        public var orphans: [String]
        /// Tagged tc filters on the recorded interfaces and link pins in the recorded folders that
        /// no record names (a kill between an attach and its record), removed.
        public var strays: [String] = []
    }

    /// Takes over what an earlier agent left: reads the records, checks each tc filter
    /// (`TCAttachment.query`) and pinned link (`Link.open`) still exists, owns those that do,
    /// and removes pin folders, link pins and this node's tagged tc filters (`FilterTag`) on the
    /// recorded interfaces that no record explains. Probes no longer wanted are removed by the
    /// first plan afterwards; the agent sweeps its pods' interfaces once pods are listed.
    @discardableResult
    public func adopt() -> Adoption {
        var adoption = Adoption(probes: [], attachments: 0, lost: 0, orphans: [])
        var recordedInterfaces: [SweptInterface] = []
        let files = (try? FileManager.default.contentsOfDirectory(atPath: paths.recordDirectory)) ?? []
        for file in files.sorted() where file.hasSuffix(".json") {
            let path = "\(paths.recordDirectory)/\(file)"
            guard let data = FileManager.default.contents(atPath: path),
                  let record = try? JSONDecoder().decode(ProbeRecord.self, from: data) else {
                logger.warning("ignoring unreadable probe record \(path)")
                metrics.countError("state")
                try? FileManager.default.removeItem(atPath: path)
                continue
            }
            let runtime = ProbeRuntime(assignment: record.assignment, directory: record.directory, maps: record.maps)
            for attachment in record.attachments {
                if let tc = attachment.tc { recordedInterfaces.append(SweptInterface(netns: tc.namespace, name: tc.interface)) }
                if let handle = Self.reopen(attachment) {
                    runtime.handles[attachment.point] = handle
                    adoption.attachments += 1
                } else {
                    adoption.lost += 1
                }
            }
            adoption.strays += removeUnrecordedLinkPins(of: runtime)
            probes[record.assignment.id] = runtime
            adoption.probes.append(record.assignment.id)
            persist(runtime)
        }
        adoption.orphans = removeOrphans()
        adoption.strays += sweepFilters(on: recordedInterfaces)
        logger.info("adopted \(adoption.probes.count) probe(s), \(adoption.attachments) attachment(s); \(adoption.lost) lost, \(adoption.orphans.count) orphan folder(s), \(adoption.strays.count) unrecorded filter(s) and pin(s) removed")
        return adoption
    }

    /// A handle on a recorded attachment if it still exists as recorded.
    private static func reopen(_ attachment: ProbeRecord.Attachment) -> ProbeRuntime.Handle? {
        if let tc = attachment.tc {
            guard let link = try? TCLink.adopt(tc) else { return nil }
            return .tc(link, programID: attachment.programID)
        }
        if let pin = attachment.linkPin, let link = try? Link.open(pinnedAt: pin) {
            return .link(link, pin: pin, programID: attachment.programID)
        }
        return nil
    }

    /// Removes every folder under the pin root that belongs to no managed probe version.
    private func removeOrphans() -> [String] {
        let keep = Set(probes.values.map(\.directory))
        let keepProbes = Set(keep.map { ($0 as NSString).deletingLastPathComponent })
        var removed: [String] = []
        let fm = FileManager.default
        for probe in (try? fm.contentsOfDirectory(atPath: paths.pinRoot)) ?? [] {
            let probePath = "\(paths.pinRoot)/\(probe)"
            guard keepProbes.contains(probePath) else {
                Self.removeTree(probePath)
                removed.append(probePath)
                continue
            }
            for version in (try? fm.contentsOfDirectory(atPath: probePath)) ?? [] where !keep.contains("\(probePath)/\(version)") {
                Self.removeTree("\(probePath)/\(version)")
                removed.append("\(probePath)/\(version)")
            }
        }
        return removed
    }

    /// Removes everything the agent of `paths` manages, whether or not an agent runs: every
    /// recorded tc filter and link, every tagged filter on the interfaces of `pods`, every pin
    /// under its pin root, every record. For tests and `aeolus agent --uninstall`-like cleanups.
    public static func purge(_ paths: AgentPaths, pods: [Pod] = []) {
        let applier = Applier(paths: paths)
        applier.adopt()
        applier.sweepFilters(on: SweptInterface.all(of: pods))
        applier.apply(AgentPlan(steps: applier.probes.keys.sorted().map { .remove(probe: $0) }, problems: [:]))
        removeTree(paths.pinRoot)
        // `<bpffs>/aeolus` itself goes too once no other node's agent pins under it.
        rmdir((paths.pinRoot as NSString).deletingLastPathComponent)
        try? FileManager.default.removeItem(atPath: paths.recordDirectory)
    }
}
