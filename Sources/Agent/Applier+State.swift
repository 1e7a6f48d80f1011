import AeolusModel
import BPFKit
import Foundation

extension Applier {
    /// The node's actual state: per probe its digest, live or failed with the reason and
    /// verifier log, attach points, map pins and kernel run statistics.
    public func state(node: String) -> NodeProbeState {
        let probes = self.probes.values.sorted { $0.assignment.id < $1.assignment.id }.map(probeState)
        return NodeProbeState(node: node, probes: probes)
    }

    private func probeState(_ runtime: ProbeRuntime) -> ProbeState {
        let probe = runtime.assignment
        var reasons: [String] = []
        if let failure = runtime.loadFailure { reasons.append(failure.reason) }
        reasons += runtime.attachErrors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        reasons += runtime.problems
        let attachments = runtime.handles.keys.sorted().map { point -> ProbeState.Attachment in
            let parts = point.pod?.split(separator: "/", maxSplits: 1).map(String.init)
            var ifindex: Int?
            if case let .tc(link, _)? = runtime.handles[point] { ifindex = Int(link.attachment.ifindex) }
            return ProbeState.Attachment(hook: point.hook.rawValue, target: point.target, netns: point.netns,
                                         pod: parts?.last, namespace: parts.flatMap { $0.count == 2 ? $0[0] : nil },
                                         ifindex: ifindex)
        }
        return ProbeState(id: probe.id, template: probe.template, digest: probe.digest,
                          state: reasons.isEmpty ? .live : .failed,
                          reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "),
                          verifierLog: runtime.loadFailure?.verifierLog, parameters: probe.parameters,
                          attachments: attachments, maps: runtime.isLoaded ? runtime.maps : [:],
                          metrics: probe.metrics, stats: stats(runtime), annotations: probe.annotations,
                          received: runtime.received, attached: runtime.attached)
    }

    /// Run count and time summed over the distinct programs the probe's attachments run.
    private func stats(_ runtime: ProbeRuntime) -> ProbeState.Stats? {
        let ids = Set(runtime.handles.values.map(\.programID))
        guard !ids.isEmpty else { return nil }
        var stats = ProbeState.Stats(runCount: 0, runTimeNs: 0)
        for id in ids {
            guard let info = try? ProgramInfo(id: id) else { continue }
            stats.runCount += info.runCount
            stats.runTimeNs += UInt64(clamping: info.runTime.components.seconds * 1_000_000_000
                                      + info.runTime.components.attoseconds / 1_000_000_000)
        }
        return stats
    }
}
