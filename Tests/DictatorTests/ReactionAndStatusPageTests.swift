import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import RemoteWrite
import Testing

/// The event receiver, a reaction and the status page, through the `aeolus` binary: events sent by
/// remote write fire a graph edge, the follow-up probe appears in the node's assignment, the
/// reaction lands on the status branch, and headless Chromium renders the page with the graph
/// and the reaction.
@Suite(.serialized) struct ReactionAndStatusPageTests {
    let client = HTTPClient(bearerToken: "agent-token")

    static func seedFiles() throws -> [String: String] {
        var files: [String: String] = [:]
        let example = EndToEnd.example
        let templates = ["tcp-retransmits", "flow-latency", "flow-tcp-flags"].flatMap { name in
            ["templates/\(name)/template.yaml", "templates/\(name)/probe.bpf.c"]
        }
        for path in ["aeolus.yaml", "graph.yaml", "include/aeolus.h"] + templates {
            files[path] = try String(contentsOfFile: example + "/" + path, encoding: .utf8)
        }
        files["policies/baseline.yaml"] = EndToEnd.policy("retransmits", template: "tcp-retransmits")
        return files
    }

    /// One remote-write request with the retransmit counter of one flow at `value`, at `time`.
    /// In remote write 2.0 (`message: .v2`) the same series goes through the symbols table.
    static func retransmits(_ value: Double, at time: Date, node: String, dport: String = "8080",
                            message: RemoteWrite.Message = .v1) throws -> [UInt8] {
        let request = WriteRequest(timeseries: [TimeSeries(
            name: "aeolus_tcp_retransmits_total",
            labels: ["saddr": "198.18.0.13", "daddr": "198.18.0.11", "sport": "47000", "dport": dport, "node": node],
            samples: [Prometheus_Sample(value: value, timestampMilliseconds: Int64(time.timeIntervalSince1970 * 1000))])])
        return message == .v1 ? try RemoteWrite.encode(request) : try RemoteWrite.encode(RemoteWrite.symbolized(request))
    }

    func write(_ url: String, _ body: [UInt8], token: String? = "agent-token", message: RemoteWrite.Message = .v1) async throws -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        for (name, value) in message == .v1 ? RemoteWrite.requestHeaders : RemoteWrite.requestHeadersV2 { headers.add(name: name, value: value) }
        return try await HTTPClient(bearerToken: token).send(HTTPRequest(method: .post, url: url + AgentAPI.remoteWrite,
                                                                         headers: headers, body: body, timeout: .seconds(5)))
    }

    @Test func eventsFireAReactionAndThePageShowsIt() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-reaction-e2e")
        defer { temp.remove() }
        let (daemon, bare) = try await EndToEnd.serve(try Self.seedFiles(), in: temp)
        defer { daemon.stop() }
        let dictator = try DictatorProcess(arguments: ["--repo", daemon.url("config.git"), "--poll", "30s", "--workdir", temp.path("workdir"),
                                                       "--status-interval", "200ms", "--token-file", temp.path("token")],
                                           logFile: temp.path("dictator.log"))
        defer { dictator.stop() }
        try await EndToEnd().waitReady(dictator)
        let registration = AgentRegistration(node: "node-a", labels: ["role": "worker"], kernelVersion: "6.18", hooks: Hook.supported)
        _ = try await client.send(HTTPRequest(method: .post, url: dictator.url + AgentAPI.agents, headers: ["Content-Type": "application/json"],
                                              body: Array(try JSONEncoder().encode(registration)), timeout: .seconds(5)))

        // Bad input: 401 without the token, 400 for bytes that are not snappy, never retried.
        #expect(try await write(dictator.url, Self.retransmits(1, at: Date(), node: "node-a"), token: nil).status == 401)
        #expect(try await write(dictator.url, [0xff, 0x00, 0x13]).status == 400)

        // Two samples 2 s apart, the first in remote write 1.0, the second in 2.0: rate 5/s > 0.5/s → the edge fires.
        let now = Date()
        #expect(try await write(dictator.url, Self.retransmits(10, at: now.addingTimeInterval(-2), node: "node-a")).status == 204)
        let v2 = try await write(dictator.url, Self.retransmits(20, at: now, node: "node-a", message: .v2), message: .v2)
        #expect(v2.status == 204)
        #expect(v2.headers["X-Prometheus-Remote-Write-Samples-Written"] == "1")
        var unknown: HTTPHeaders = ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf;proto=io.prometheus.write.v9.Request"]
        unknown.add(name: "X-Prometheus-Remote-Write-Version", value: "9.0.0")
        #expect(try await client.send(HTTPRequest(method: .post, url: dictator.url + AgentAPI.remoteWrite, headers: unknown,
                                                  body: Self.retransmits(1, at: now, node: "node-a"), timeout: .seconds(5))).status == 415)
        let assignment = try await EndToEnd.eventually(60) {
            let response = try await client.send(HTTPRequest(url: dictator.url + AgentAPI.assignment(node: "node-a"), timeout: .seconds(2)))
            let decoded = try JSONDecoder().decode(NodeAssignment.self, from: Data(response.body))
            return decoded.probes.contains { $0.id.hasPrefix("reaction/") && $0.template == "flow-latency"
                && $0.parameters == ["saddr": "198.18.0.13", "daddr": "198.18.0.11", "sport": "47000", "dport": "8080"] }
        }
        #expect(assignment, "the follow-up probe is assigned:\n\(dictator.log)")
        let recorded = await EndToEnd.eventually(60) {
            let files = (try? await Git.run(["--git-dir", bare, "ls-tree", "-r", "--name-only", "aeolus/status"])) ?? ""
            return files.contains("status/reactions/")
        }
        #expect(recorded, "a reaction file on the status branch")

        // The page, rendered by a real browser.
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "headless Chromium (Debian's chromium, installed by make deps)")
        let dom = try await Subprocess.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(temp.path("chromium"))",
                                               "--dump-dom", dictator.url + "/"]).standardOutput
        #expect(dom.contains("<svg id=\"graph\""))
        #expect(dom.contains("retransmits-to-latency"))
        #expect(dom.contains("class=\"reaction\""))
        #expect(dom.contains("flow-latency"))
        _ = try? await Subprocess.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(temp.path("chromium"))",
                                          "--window-size=1200,900", "--screenshot=\(NSTemporaryDirectory())/aeolus-status-page.png", dictator.url + "/"])
    }

    /// A real Prometheus (Debian's 2.42) remote-writes what it scrapes into the dictator: the wire
    /// format, headers and auth (a collector token) match, and nothing is refused.
    @Test func aRealPrometheusCanRemoteWriteToTheDictator() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-rw-e2e")
        defer { temp.remove() }
        let (daemon, _) = try await EndToEnd.serve(try Self.seedFiles(), in: temp)
        defer { daemon.stop() }
        let dictator = try DictatorProcess(arguments: ["--repo", daemon.url("config.git"), "--poll", "30s", "--workdir", temp.path("workdir"),
                                                       "--token-file", temp.path("token")],
                                           logFile: temp.path("dictator.log"))
        defer { dictator.stop() }
        try await EndToEnd().waitReady(dictator)
        // The collectors' token (remote write only), as a Prometheus-style sender would hold it.
        let collector = try await NodeTokenEndToEndTests.mint(["--collector"], secret: temp.path("token"))
        let prometheus = try await PrometheusServer.start(remoteWrite: (dictator.url + AgentAPI.remoteWrite, collector))
        defer { prometheus.stop() }
        let received = try await EndToEnd.eventually(30) {
            let metrics = try await client.send(HTTPRequest(url: dictator.url + "/metrics", timeout: .seconds(2))).text
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("aeolus_dictator_event_samples_total ") }
            return (line?.split(separator: " ").last.flatMap { Double($0) } ?? 0) > 100
        }
        #expect(received, "the dictator received Prometheus' remote writes:\n\(dictator.log)")
    }
}
