import AeolusModel
import Foundation
import KubeKit

extension KubeSource {
    /// Where one custom resource's probe stands, as its Ready condition says it.
    struct Readiness: Equatable {
        var status: String
        var reason: String
        var message: String
    }

    /// The Ready condition of the resource whose probe id is `id`: False `Invalid` when it does
    /// not decode or resolve, `Suspended`, `NoMatchingNodes`; False `Failed` when a node failed to
    /// load it; True `Live` when it is live on every node it is assigned to (the message names
    /// them); Unknown `Pending` in between.
    static func readiness(id: String, suspended: Bool, problem: String?, nodes: [DictatorStatus.NodeStatus]) -> Readiness {
        if let problem { return Readiness(status: "False", reason: "Invalid", message: problem) }
        if suspended { return Readiness(status: "False", reason: "Suspended", message: "spec.suspend is true: no probe runs") }
        var live: [String] = [], failed: [String] = [], waiting: [String] = []
        for node in nodes where !node.lost {
            guard let probe = node.probes.first(where: { $0.id == id }) else { continue }
            switch probe.state {
            case ProbeState.Phase.live.rawValue: live.append(node.node)
            case ProbeState.Phase.failed.rawValue: failed.append("\(node.node) (\(probe.reason ?? "failed"))")
            default: waiting.append(node.node)
            }
        }
        if !failed.isEmpty { return Readiness(status: "False", reason: "Failed", message: "failed on " + failed.joined(separator: ", ")) }
        if live.isEmpty && waiting.isEmpty {
            return Readiness(status: "False", reason: "NoMatchingNodes", message: "no registered node matches spec.selector.nodes")
        }
        if waiting.isEmpty { return Readiness(status: "True", reason: "Live", message: "live on " + live.joined(separator: ", ")) }
        let message = (live.isEmpty ? "" : "live on \(live.joined(separator: ", ")); ") + "pending on " + waiting.joined(separator: ", ")
        return Readiness(status: "Unknown", reason: "Pending", message: message)
    }

    /// Writes each resource's status when it changed, every `statusInterval`, until cancelled.
    func writeStatuses() async {
        while !Task.isCancelled {
            await writeStatusesOnce()
            try? await Task.sleep(for: statusInterval)
        }
    }

    func writeStatusesOnce() async {
        let objects = await book.objects
        guard !objects.isEmpty else { return }
        let status = await state.status()
        let problems = status.summary.policyProblems
        var failure: String?
        for object in objects where !object.isBeingDeleted {
            let id = "crd/\(object.namespace ?? "default")/\(object.name)"
            let readiness = Self.readiness(id: id, suspended: object.json["spec"]?["suspend"] == .bool(true),
                                           problem: problems[id], nodes: status.nodes)
            let current = object.json["status"]
            let old = current?["conditions"]?.array?.first { $0["type"] == "Ready" }
            let unchanged = old?["status"]?.string == readiness.status && old?["reason"]?.string == readiness.reason
                && old?["message"]?.string == readiness.message && current?["observedGeneration"]?.integer == object.generation
            if unchanged { continue }
            let transition = old?["status"]?.string == readiness.status ? old?["lastTransitionTime"] ?? .string(Self.now()) : .string(Self.now())
            var condition: [String: JSONValue] = [
                "type": "Ready", "status": .string(readiness.status), "reason": .string(readiness.reason),
                "message": .string(readiness.message), "lastTransitionTime": transition,
            ]
            if let generation = object.generation { condition["observedGeneration"] = .integer(generation) }
            let patch: JSONValue = ["observedGeneration": object.generation.map(JSONValue.integer) ?? .null,
                                    "conditions": [.object(condition)]]
            // The watch brings the patched object back; until then, do not write the same again.
            if await book.written[object.key] == patch { continue }
            do {
                try await client.patchStatus(resource, name: object.name, namespace: object.namespace, status: patch)
                await book.recordWritten(object.key, patch)
            } catch {
                failure = "\(error)"
            }
        }
        if await book.noteWriteError(failure), let failure {
            logger.warning("cannot write ProbePolicy status (needs RBAC patch on probepolicies/status)", metadata: ["error": "\(failure)"])
        }
    }

    private static func now() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
