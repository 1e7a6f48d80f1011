import AeolusModel
import CurlKit
import Dictator
import Foundation

extension Demo {
    /// The story, step by step; each wait has a timeout and names what did not happen.
    func story(_ world: World, services: DemoServices) throws {
        let http = HTTPClient(bearerToken: world.token)

        func status() -> DictatorStatus? {
            guard let response = try? http.sendBlocking(HTTPRequest(url: world.dictatorURL + "/api/v1/status", timeout: .seconds(2))),
                  response.status == 200 else { return nil }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = WireDate.decoding
            return try? decoder.decode(DictatorStatus.self, from: Data(response.body))
        }
        func probes() -> [DictatorStatus.ProbeStatus] {
            status()?.nodes.first { $0.node == Self.node }?.probes ?? []
        }
        func query(_ expression: String) -> [(labels: [String: String], value: Double)] {
            let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
            guard let response = try? http.sendBlocking(HTTPRequest(url: "\(world.prometheusURL)/api/v1/query?query=\(encoded)", timeout: .seconds(2))),
                  response.status == 200,
                  let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                  let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else { return [] }
            return result.compactMap { series in
                guard let metric = series["metric"] as? [String: String], let pair = series["value"] as? [Any],
                      let text = pair.last as? String, let value = Double(text) else { return nil }
                return (metric, value)
            }
        }
        func wait<T>(_ what: String, timeout: TimeInterval, _ condition: () throws -> T?) throws -> T {
            let value = try timeline.wait(what, timeout: timeout) { () throws -> T? in
                try stop.check()
                let dead = services.exited
                if !dead.isEmpty { throw DemoError("\(dead.joined(separator: ", ")) exited unexpectedly") }
                return try condition()
            }
            guard let value else { throw DemoError("timed out after \(Int(timeout))s: \(what)") }
            return value
        }

        // 1. Baseline probes from git.
        timeline.log(.step, "the dictator compiles the templates and the agent attaches the baseline probes")
        let baseline = try wait("waiting for the baseline probes to go live", timeout: 60) { () -> [DictatorStatus.ProbeStatus]? in
            let live = probes().filter { $0.id.hasPrefix("policy/") && $0.state == "live" }
            return live.count >= 3 ? live : nil
        }
        for probe in baseline { timeline.log(.detail, "  live  \(probe.id.padding(toLength: 42, withPad: " ", startingAt: 0)) \(probe.template)  \(probe.digest.prefix(19))…") }
        if let summary = status()?.summary {
            timeline.log(.ok, "baseline live from git revision \(summary.revision?.prefix(12) ?? "?") (\(summary.message ?? ""))")
        }

        // 2. A policy arrives by git push and the webhook.
        timeline.log(.step, "a platform engineer pushes a policy: traffic counters on the web pods (and DNS on every pod)")
        try FileManager.default.moveItem(atPath: options.workdir + "/pod-traffic.yaml", toPath: world.workTree + "/policies/pod-traffic.yaml")
        try git(world.workTree, ["add", "policies/pod-traffic.yaml"])
        try git(world.workTree, ["commit", "-q", "-m", "Watch the traffic of the web pods"])
        let pushed = Date()
        try git(world.workTree, ["push", "-q", "origin", "main"])
        let hook = try http.sendBlocking(HTTPRequest(method: .post, url: world.dictatorURL + "/hooks/git",
                                                     headers: ["X-GitHub-Event": "push", "Content-Type": "application/json"],
                                                     body: Array(#"{"ref":"refs/heads/main"}"#.utf8), timeout: .seconds(5)))
        timeline.log(.info, "git push origin main; POST /hooks/git → HTTP \(hook.status)")
        _ = try wait("waiting for the pushed policy's probes", timeout: 30) { () -> Bool? in
            let live = Set(probes().filter { $0.state == "live" }.map(\.id))
            return live.contains("policy/aeolus-system/web-traffic") && live.contains("policy/aeolus-system/cluster-dns") ? true : nil
        }
        timeline.log(.ok, String(format: "web-traffic and cluster-dns live %.0f ms after the push (poll interval: 30 s)", Date().timeIntervalSince(pushed) * 1000))
        let perPod = try wait("waiting for Prometheus to show traffic per pod", timeout: 30) { () -> [(labels: [String: String], value: Double)]? in
            let rows = query("sum by (pod, direction) (rate(aeolus_pod_packets_total[10s]))").filter { $0.value > 0 }
            return rows.count >= 2 ? rows : nil
        }
        for row in perPod.sorted(by: { ($0.labels["pod"] ?? "", $0.labels["direction"] ?? "") < ($1.labels["pod"] ?? "", $1.labels["direction"] ?? "") }) {
            timeline.log(.detail, String(format: "  aeolus_pod_packets_total{pod=%@, direction=%@}: %.0f packets/s",
                                         row.labels["pod"] ?? "?", row.labels["direction"] ?? "?", row.value))
        }

        // 3. Loss between client and web-1.
        let web1 = cluster.pod("web-1")
        let rule = ["-p", "tcp", "--dport", "\(Traffic.streamPort)", "-m", "statistic", "--mode", "random", "--probability", "0.15", "-j", "DROP"]
        try cluster.exec(web1, ["iptables", "-A", "INPUT"] + rule)
        let lossStarted = Date()
        timeline.log(.step, "injecting 15% packet loss into web-1 (iptables statistic drop on tcp/\(Traffic.streamPort))")
        let retransmits = try wait("waiting for retransmissions to rise", timeout: 60) { () -> (labels: [String: String], value: Double)? in
            query("rate(aeolus_tcp_retransmits_total{dport=\"\(Traffic.streamPort)\"}[10s])").max { $0.value < $1.value }.flatMap { $0.value > 0 ? $0 : nil }
        }
        timeline.log(.ok, String(format: "retransmissions: %.1f/s on %@:%@ → %@:%@", retransmits.value,
                                 retransmits.labels["saddr"] ?? "?", retransmits.labels["sport"] ?? "?",
                                 retransmits.labels["daddr"] ?? "?", retransmits.labels["dport"] ?? "?"))

        // 4. The dictator reacts. The retransmit probe sees every TCP flow of this machine, so other
        // traffic may fire the edge too: the story follows the reaction bound to the lossy flow.
        let lossyDestination = retransmits.labels["daddr"], lossyPort = "\(Traffic.streamPort)"
        let reaction = try wait("waiting for the dictator to react", timeout: 60) { () -> Reaction? in
            status()?.reactions.first {
                $0.edge == "retransmits-to-latency" && $0.outcome == .active
                    && $0.parameters["dport"] == lossyPort && (lossyDestination == nil || $0.parameters["daddr"] == lossyDestination)
            }
        }
        timeline.log(.ok, "reaction \(reaction.id): edge \(reaction.edge) fired (\(reaction.trigger.condition), value \(String(format: "%.2f", reaction.trigger.value)))")
        timeline.log(.detail, "  deploy \(reaction.template) on \(reaction.nodes.joined(separator: ", ")) with "
                     + reaction.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                     + ", ttl \(Self.ttl)s")
        _ = try wait("waiting for the per-flow probe to attach", timeout: 30) { () -> Bool? in
            probes().contains { $0.id == reaction.probeID && $0.state == "live" } ? true : nil
        }
        timeline.log(.ok, String(format: "per-flow probe %@ live on %@, %.1f s after the loss began", reaction.probeID, Self.node,
                                 Date().timeIntervalSince(lossStarted)))
        let saddr = reaction.parameters["saddr"] ?? "", daddr = reaction.parameters["daddr"] ?? ""
        let srtt = try wait("waiting for the flow's metrics", timeout: 30) { () -> (labels: [String: String], value: Double)? in
            query("aeolus_flow_srtt_seconds{saddr=\"\(saddr)\",daddr=\"\(daddr)\"}").first
                ?? query("aeolus_flow_srtt_seconds{saddr=\"\(daddr)\",daddr=\"\(saddr)\"}").first
        }
        let cwnd = query("aeolus_flow_cwnd_segments").first { $0.labels["sport"] == srtt.labels["sport"] }?.value
        timeline.log(.ok, String(format: "the flow's metrics: smoothed RTT %.3f ms%@ (aeolus_flow_srtt_seconds{saddr=\"%@\",daddr=\"%@\",sport=\"%@\",dport=\"%@\"})",
                                 srtt.value * 1000, cwnd.map { String(format: ", congestion window %.0f segments", $0) } ?? "",
                                 srtt.labels["saddr"] ?? "", srtt.labels["daddr"] ?? "", srtt.labels["sport"] ?? "", srtt.labels["dport"] ?? ""))

        // 5. The reaction on the status branch.
        let path = reaction.statusPath
        let commit = try wait("waiting for the reaction's commit on the status branch", timeout: 30) { () -> String? in
            let log = try? Shell.run(["git", "-C", world.bareRepository, "log", "--format=%h %s", "-1", "aeolus/status", "--", path])
            return log.flatMap { $0.isEmpty ? nil : $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        timeline.log(.ok, "the reaction is on the status branch: \(commit)")
        timeline.log(.info, "git log --oneline -4 aeolus/status")
        timeline.block(try Shell.run(["git", "-C", world.bareRepository, "log", "--oneline", "-4", "aeolus/status"]).trimmingCharacters(in: .newlines))
        timeline.log(.info, "git show aeolus/status:\(path)")
        timeline.block(try Shell.run(["git", "-C", world.bareRepository, "show", "aeolus/status:\(path)"]).trimmingCharacters(in: .newlines))

        // 6. Loss ends; the TTL removes the probe.
        try cluster.exec(web1, ["iptables", "-D", "INPUT"] + rule)
        timeline.log(.step, "loss removed; the per-flow probe lives until its TTL (\(Self.ttl)s from \(Self.clock(reaction.started)))")
        let expired = try wait("waiting for the TTL to remove the per-flow probe", timeout: TimeInterval(Self.ttl + 30)) { () -> Reaction? in
            guard let ended = status()?.reactions.first(where: { $0.id == reaction.id && $0.outcome == .expired }) else { return nil }
            return probes().contains { $0.id == reaction.probeID } ? nil : ended
        }
        timeline.log(.ok, "reaction \(expired.id) expired at \(Self.clock(expired.ended ?? Date())); the probe is detached from \(Self.node)")
        _ = try wait("waiting for the expiry's commit", timeout: 30) { () -> Bool? in
            let text = try? Shell.run(["git", "-C", world.bareRepository, "show", "aeolus/status:\(path)"])
            return text?.contains("outcome: expired") == true ? true : nil
        }
        timeline.log(.info, "git show aeolus/status:\(path) | grep -E 'outcome|ended'")
        let recorded = try Shell.run(["git", "-C", world.bareRepository, "show", "aeolus/status:\(path)"])
        timeline.block(recorded.split(separator: "\n").filter { $0.hasPrefix("outcome") || $0.hasPrefix("ended") }.joined(separator: "\n"))
        timeline.log(.ok, "the loop closed: git → kernel → metrics → reaction → kernel → git")
    }

    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date) + " UTC"
    }
}
