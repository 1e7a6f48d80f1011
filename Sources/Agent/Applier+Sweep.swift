import AeolusModel
import BPFKit
import Foundation
import NetKit

/// An interface the applier searches for filters of its own that no probe holds.
struct SweptInterface: Hashable, Sendable {
    /// The namespace file; nil for the node's own namespace.
    var netns: String?
    /// The interface name.
    var name: String

    /// The interfaces of `pods`: each pod's own in its namespace, and the host end of its veth.
    static func all(of pods: [Pod]) -> [SweptInterface] {
        pods.flatMap { pod in
            [SweptInterface(netns: pod.netns, name: pod.interface)] + (pod.hostInterface.map { [SweptInterface(netns: nil, name: $0)] } ?? [])
        }
    }
}

extension Step {
    /// The interfaces the step attaches tc programs on.
    var tcInterfaces: [SweptInterface] {
        let points: [AttachPoint]
        switch self {
        case let .install(_, list), let .replace(_, list): points = list
        case let .attach(_, point): points = [point]
        case .detach, .update, .remove: points = []
        }
        return points.filter { $0.hook == .tcIngress || $0.hook == .tcEgress }.map { SweptInterface(netns: $0.netns, name: $0.target) }
    }
}

extension AgentPaths {
    /// The handle mark of this node's tc filters.
    public var filterTag: FilterTag { FilterTag(node: node) }
}

extension Applier {
    /// Removes, from each of `interfaces` not searched yet by this process, every tc filter
    /// carrying this node's `FilterTag` that no probe holds: what an agent killed between a tc
    /// attach and the write of its record left. Returns the filters removed. Wanted attach
    /// points are attached again by the plan.
    @discardableResult
    func sweepFilters(on interfaces: some Sequence<SweptInterface>) -> [String] {
        let tag = paths.filterTag
        var removed: [String] = []
        for interface in interfaces where !swept.contains(interface) {
            swept.insert(interface)
            let filters: [TrafficControlFilter]
            do {
                filters = try NetworkNamespaceFile.run(in: interface.netns) { try RouteNetlink.filters(interface: interface.name) }
            } catch {
                // The interface or namespace is gone: so is every filter on it.
                logger.debug("cannot list the tc filters of \(interface.name)\(interface.netns.map { " in \($0)" } ?? ""): \(error)")
                continue
            }
            let held = heldFilters()
            for filter in filters where filter.kind == "bpf" && tag.marks(filter.handle) {
                let direction: TCAttachment.Direction = filter.direction == .ingress ? .ingress : .egress
                let attachment = TCAttachment(namespace: interface.netns, interface: interface.name, ifindex: filter.ifindex,
                                              direction: direction, handle: filter.handle, priority: filter.priority,
                                              programID: filter.programID ?? 0)
                guard !held.contains(HeldFilter(attachment)) else { continue }
                do {
                    try attachment.detach()
                    removed.append("\(attachment)")
                    logger.warning("removed tc filter \(attachment) (\(filter.name ?? "?")): tagged by this node's agent, held by no probe record")
                } catch {
                    metrics.countError("detach")
                    logger.error("cannot remove the unrecorded tc filter \(attachment): \(error)")
                }
            }
        }
        return removed
    }

    /// A filter's identity on its hook.
    private struct HeldFilter: Hashable {
        var netns: String?, ifindex: Int32, ingress: Bool, handle: UInt32, priority: UInt32
        init(_ attachment: TCAttachment) {
            (netns, ifindex, ingress) = (attachment.namespace, attachment.ifindex, attachment.direction == .ingress)
            (handle, priority) = (attachment.handle, attachment.priority)
        }
    }

    /// `sweepFilters` on the interfaces of `pods`, then forgets the interfaces of pods gone (the
    /// memory stays as large as the node's pods; an interface seen again is searched again).
    func sweepFilters(onPods pods: [Pod]) {
        let interfaces = SweptInterface.all(of: pods)
        sweepFilters(on: interfaces)
        swept.formIntersection(interfaces)
    }

    /// The filters the probes hold now.
    private func heldFilters() -> Set<HeldFilter> {
        Set(probes.values.flatMap(\.handles.values).compactMap { handle in
            if case let .tc(link, _) = handle { return HeldFilter(link.attachment) }
            return nil
        })
    }

    /// Unpins the links under `runtime`'s `links/` folder that its record does not name (an agent
    /// killed between a pin and the write of the record): unpinning the last reference detaches
    /// the link. Returns the pins removed.
    func removeUnrecordedLinkPins(of runtime: ProbeRuntime) -> [String] {
        let folder = runtime.directory + "/links"
        let recorded = Set(runtime.handles.values.compactMap { handle -> String? in
            if case let .link(_, pin, _) = handle { return pin }
            return nil
        })
        var removed: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where !recorded.contains("\(folder)/\(name)") {
            let pin = "\(folder)/\(name)"
            guard unlink(pin) == 0 else {
                logger.error("cannot remove the unrecorded link pin \(pin): \(String(cString: strerror(errno)))")
                continue
            }
            removed.append(pin)
            logger.warning("removed link pin \(pin): held by no probe record")
        }
        return removed
    }
}
