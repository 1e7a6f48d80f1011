import AeolusModel
import AeolusTesting
import CurlKit
import Dictator
import Foundation
import Testing

/// The dictator's API over HTTPS (`--tls-cert`, `--tls-key`, `--client-ca`) with certificates
/// the test makes: the real agent and collector reach it with the right CA (`--ca`, the
/// exporter's `tls.ca_file`) and are refused with another; client certificates are required when
/// asked for; a rotated certificate is served to new connections without a restart while a watch
/// made before goes on.
@Suite(.serialized) struct TLSEndToEndTests {
    let steps = EndToEnd()

    /// A dictator serving HTTPS with `pki`'s server pair (and `extra` arguments), ready.
    func dictator(_ pki: HTTPTestServerCertificates, _ daemon: GitDaemon, in temp: TemporaryDirectory,
                  extra: [String] = []) async throws -> DictatorProcess {
        let dictator = try DictatorProcess(arguments: EndToEnd.dictatorArguments(daemon, in: temp)
                                           + ["--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey] + extra,
                                           logFile: temp.path("dictator.log"))
        try await steps.waitReady(dictator, tls: .caFile(pki.caCertificate))
        return dictator
    }

    /// `aeolus agent` for `node` (labelled `label`, no pods) against `dictator` with `tls` arguments.
    static func agent(_ node: String, _ dictator: DictatorProcess, tls: [String], label: String = "role=worker",
                      in temp: TemporaryDirectory) throws -> AeolusProcess {
        try "[]".write(toFile: temp.path("pods.json"), atomically: true, encoding: .utf8)
        return try AeolusProcess(arguments: [
            "agent", "--node", node, "--dictator", dictator.url, "--token-file", temp.path("token"), "--label", label,
            "--pods", temp.path("pods.json"), "--state-dir", temp.path("agent-\(node)"), "--listen", "none", "--interval", "0.2",
        ] + tls, logFile: temp.path("agent-\(node).log"))
    }

    /// `aeolus collector` scraping its own telemetry every 200 ms and remote-writing it to
    /// `dictator` with the exporter's `tls` block (YAML flow mapping).
    static func collector(_ name: String, _ dictator: DictatorProcess, tls: String, in temp: TemporaryDirectory) throws -> AeolusProcess {
        let telemetry = try LoopbackPort.free()
        let config = temp.path("collector-\(name).yaml")
        try """
            receivers:
              prometheus:
                config:
                  scrape_configs:
                    - {job_name: self, scrape_interval: 200ms, static_configs: [{targets: ["127.0.0.1:\(telemetry)"]}]}
            exporters:
              prometheusremotewrite/dictator:
                endpoint: \(dictator.url)/api/v1/write
                bearer_token: agent-token
                tls: \(tls)
                retry_on_failure: {initial_interval: 100ms, max_interval: 500ms}
            service:
              telemetry: {metrics: {address: "127.0.0.1:\(telemetry)"}}
              pipelines:
                metrics: {receivers: [prometheus], exporters: [prometheusremotewrite/dictator]}

            """.write(toFile: config, atomically: true, encoding: .utf8)
        return try AeolusProcess(arguments: ["collector", "--config", config], logFile: temp.path("collector-\(name).log"))
    }

    /// The dictator's `aeolus_dictator_event_samples_total`, read over HTTPS with `tls`.
    func samplesReceived(_ dictator: DictatorProcess, tls: TLSOptions) async -> Double {
        var client = steps.client
        client.tls = tls
        guard let response = try? await client.send(HTTPRequest(url: dictator.url + "/metrics", timeout: .seconds(5))) else { return -1 }
        let line = String(decoding: response.body, as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix("aeolus_dictator_event_samples_total ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
    }

    /// The nodes the dictator knows (`aeolus status --ca ... --format json`); nil when the command fails.
    static func registeredNodes(_ dictator: DictatorProcess, tls: [String], in temp: TemporaryDirectory) async throws -> [String]? {
        let output = try await AeolusBinary.run(["status", "--dictator", dictator.url, "--token-file", temp.path("token"),
                                                 "--format", "json"] + tls)
        guard output.status == 0 else { return nil }
        let status = try NodeProbeState.makeDecoder().decode(DictatorStatus.self, from: Data(output.standardOutput.utf8))
        return status.nodes.map(\.node)
    }

    @Test func missingBrokenOrMismatchedFilesStopTheDictatorAndAgentAtStartNamingTheFile() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-tls-flags")
        defer { temp.remove() }
        let pki = try await HTTPTestServerCertificates.make()
        let other = try await HTTPTestServerCertificates.make()
        let dictator = ["dictator", "--repo", "file://\(temp.path("none.git"))", "--workdir", temp.path("workdir"), "--listen", "127.0.0.1:0"]
        let cases: [([String], String)] = [
            (["--tls-cert", pki.serverCertificate], "--tls-cert and --tls-key go together"),
            (["--client-ca", pki.caCertificate], "--client-ca needs --tls-cert"),
            (["--tls-cert", "/nonexistent/tls.crt", "--tls-key", pki.serverKey], "--tls-cert /nonexistent/tls.crt cannot be read"),
            (["--tls-cert", pki.serverKey, "--tls-key", pki.serverKey], "--tls-cert \(pki.serverKey) "),
            (["--tls-cert", pki.serverCertificate, "--tls-key", other.serverKey], "--tls-key \(other.serverKey) does not match"),
            (["--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey, "--client-ca", "/nonexistent/ca.crt"],
             "--client-ca /nonexistent/ca.crt cannot be read"),
        ]
        for (flags, message) in cases {
            let output = try await AeolusBinary.run(dictator + flags)
            #expect(output.status != 0 && output.standardError.contains(message), "\(flags): \(output.standardError)")
        }
        let agent = try await AeolusBinary.run(["agent", "--node", "n1", "--dictator", "https://127.0.0.1:9", "--ca", "/nonexistent/ca.crt",
                                                "--state-dir", temp.path("agent"), "--listen", "none"])
        #expect(agent.status != 0 && agent.standardError.contains("--ca /nonexistent/ca.crt"), "\(agent.standardError)")
        let halfPair = try await AeolusBinary.run(["status", "--dictator", "https://127.0.0.1:9", "--client-cert", pki.clientCertificate])
        #expect(halfPair.status != 0 && halfPair.standardError.contains("--client-cert and --client-key go together"))
    }

    @Test func agentAndCollectorReachTheDictatorOverTLSWithTheRightCAOnly() async throws {
        try KernelTest.requireRoot()
        let temp = try TemporaryDirectory(prefix: "aeolus-tls-e2e")
        let pki = try await HTTPTestServerCertificates.make()
        let wrong = try await HTTPTestServerCertificates.make()
        let node = "tls-\(getpid() % 100_000)"
        var processes: [AeolusProcess] = []
        defer {
            processes.forEach { $0.kill() }
            for name in [node, node + "-wrong"] { try? FileManager.default.removeItem(atPath: "/sys/fs/bpf/aeolus/\(name)") }
            rmdir("/sys/fs/bpf/aeolus")
            temp.remove()
        }
        var files = try DictatorEndToEndTests.seedFiles()
        files["policies/workers.yaml"] = EndToEnd.policy("retransmits", template: "tcp-retransmits")
        let (daemon, _) = try await EndToEnd.serve(files, in: temp)
        defer { daemon.stop() }
        let dictator = try await dictator(pki, daemon, in: temp)
        processes.append(dictator)
        func logs() -> String { processes.map { "\($0.logFile):\n\($0.log)" }.joined(separator: "\n") }

        // Plain HTTP to the HTTPS port, and HTTPS without the CA: no answer.
        await #expect(throws: CurlError.self) {
            try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(dictator.port)/readyz", timeout: .seconds(5)))
        }
        await #expect(throws: CurlError.self) {
            try await HTTPClient().send(HTTPRequest(url: dictator.url + "/readyz", timeout: .seconds(5)))
        }

        // An agent and a collector trusting another CA are refused, and say why.
        let refusedAgent = try Self.agent(node + "-wrong", dictator, tls: ["--ca", wrong.caCertificate], in: temp)
        processes.append(refusedAgent)
        let refusedCollector = try Self.collector("wrong", dictator, tls: "{ca_file: \(wrong.caCertificate)}", in: temp)
        processes.append(refusedCollector)
        #expect(await EndToEnd.eventually(60) {
            refusedAgent.log.contains("SSL certificate problem") && refusedCollector.log.contains("remote write cannot deliver")
                && refusedCollector.log.contains("SSL certificate problem")
        }, "\(logs())")
        #expect(try await Self.registeredNodes(dictator, tls: ["--ca", pki.caCertificate], in: temp) == [])
        #expect(await samplesReceived(dictator, tls: .caFile(pki.caCertificate)) == 0)

        // With the dictator's CA: the agent registers, follows its assignment and fetches the
        // object over HTTPS (the probe is live); the collector's remote write arrives.
        processes.append(try Self.agent(node, dictator, tls: ["--ca", pki.caCertificate], in: temp))
        processes.append(try Self.collector("right", dictator, tls: "{ca_file: \(pki.caCertificate)}", in: temp))
        #expect(await EndToEnd.eventually(60) {
            let probes = FileManager.default.contents(atPath: temp.path("agent-\(node)/\(NodeProbeState.fileName)"))
                .flatMap { try? NodeProbeState.decode($0) }?.probes ?? []
            return probes.contains { $0.template == "tcp-retransmits" && $0.state == .live }
        }, "the agent's probe is live\n\(logs())")
        #expect(try await Self.registeredNodes(dictator, tls: ["--ca", pki.caCertificate], in: temp) == [node])
        #expect(await EndToEnd.eventually(60) { await samplesReceived(dictator, tls: .caFile(pki.caCertificate)) > 0 }, "\(logs())")

        // `aeolus status` with the wrong CA fails with the TLS reason.
        let status = try await AeolusBinary.run(["status", "--dictator", dictator.url, "--token-file", temp.path("token"),
                                                 "--ca", wrong.caCertificate])
        #expect(status.status != 0 && status.standardError.contains("SSL certificate problem"), "\(status.standardError)")
    }

    @Test func withClientCAOnlyClientsWithACertificateOfThatCAGetIn() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-mtls-e2e")
        let pki = try await HTTPTestServerCertificates.make()
        let other = try await HTTPTestServerCertificates.make()
        var processes: [AeolusProcess] = []
        defer {
            processes.forEach { $0.stop() }
            for node in ["mtls-bare", "mtls-cert"] { try? FileManager.default.removeItem(atPath: "/sys/fs/bpf/aeolus/\(node)") }
            rmdir("/sys/fs/bpf/aeolus")
            temp.remove()
        }
        let (daemon, _) = try await EndToEnd.serve(try DictatorEndToEndTests.seedFiles(), in: temp)
        defer { daemon.stop() }
        let dictator = try DictatorProcess(arguments: EndToEnd.dictatorArguments(daemon, in: temp)
                                           + ["--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey,
                                              "--client-ca", pki.caCertificate],
                                           logFile: temp.path("dictator.log"))
        processes.append(dictator)
        let withClientCertificate = TLSOptions(caCertificate: .file(pki.caCertificate), clientCertificate: .file(pki.clientCertificate),
                                               clientKey: .file(pki.clientKey))
        try await steps.waitReady(dictator, tls: withClientCertificate)
        func logs() -> String { processes.map { "\($0.logFile):\n\($0.log)" }.joined(separator: "\n") }

        // No client certificate, or one another CA signed: refused in the handshake.
        let readyz = HTTPRequest(url: dictator.url + "/readyz", timeout: .seconds(5))
        await #expect(throws: CurlError.self) { try await HTTPClient(tls: .caFile(pki.caCertificate)).send(readyz) }
        let foreign = TLSOptions(caCertificate: .file(pki.caCertificate), clientCertificate: .file(other.clientCertificate),
                                 clientKey: .file(other.clientKey))
        await #expect(throws: CurlError.self) { try await HTTPClient(tls: foreign).send(readyz) }
        #expect(try await HTTPClient(tls: withClientCertificate).send(readyz).status == 200)

        // The agent with a client certificate registers (role=idle: nothing to load); without one it does not.
        let clientFlags = ["--ca", pki.caCertificate, "--client-cert", pki.clientCertificate, "--client-key", pki.clientKey]
        for (node, flags) in [("mtls-bare", ["--ca", pki.caCertificate]), ("mtls-cert", clientFlags)] {
            processes.append(try Self.agent(node, dictator, tls: flags, label: "role=idle", in: temp))
        }
        // The collector with `cert_file` and `key_file` delivers.
        processes.append(try Self.collector("mtls", dictator, tls: """
            {ca_file: \(pki.caCertificate), cert_file: \(pki.clientCertificate), key_file: \(pki.clientKey)}
            """, in: temp))
        #expect(await EndToEnd.eventually(60) {
            (try? await Self.registeredNodes(dictator, tls: clientFlags, in: temp)) == ["mtls-cert"]
        }, "\(logs())")
        #expect(await EndToEnd.eventually(60) { await samplesReceived(dictator, tls: withClientCertificate) > 0 }, "\(logs())")
        #expect(try await Self.registeredNodes(dictator, tls: clientFlags, in: temp) == ["mtls-cert"], "\(logs())")
        let status = try await AeolusBinary.run(["status", "--dictator", dictator.url, "--token-file", temp.path("token"),
                                                 "--ca", pki.caCertificate])
        #expect(status.status != 0, "no client certificate: \(status.standardOutput)")
    }

    @Test func aRotatedCertificateIsServedToNewConnectionsWhileOldOnesGoOn() async throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-tls-rotation")
        let pki = try await HTTPTestServerCertificates.make()
        defer { temp.remove() }
        let (daemon, _) = try await EndToEnd.serve(try DictatorEndToEndTests.seedFiles(), in: temp)
        defer { daemon.stop() }
        let dictator = try await dictator(pki, daemon, in: temp, extra: ["--tls-reload-interval", "200ms"])
        defer { dictator.stop() }
        let tls = TLSOptions.caFile(pki.caCertificate)
        let port = dictator.port
        let first = try await offThePool { try HTTPTestServerCertificates.serial(ofCertificate: pki.serverCertificate) }
        #expect(try await offThePool { try HTTPTestServerCertificates.servedSerial(port: port) } == first)

        // An agent's watch, open across the rotation.
        let registration = AgentRegistration(node: "rotation", labels: [:], kernelVersion: "6.18", hooks: Hook.supported)
        let client = HTTPClient(tls: tls, bearerToken: "agent-token")
        let registered = try await client.send(HTTPRequest(method: .post, url: dictator.url + AgentAPI.agents,
                                                           headers: ["Content-Type": "application/json"],
                                                           body: Array(try NodeProbeState.makeEncoder().encode(registration)),
                                                           timeout: .seconds(10)))
        #expect(registered.status == 200, "\(dictator.log)")
        let (head, lines) = try await client.lines(HTTPRequest(url: dictator.url + AgentAPI.assignment(node: "rotation")
                                                               + "?watch=1&revision=0", connectTimeout: .seconds(5)))
        #expect(head.status == 200)
        var watch = lines.makeAsyncIterator()

        // A broken certificate file is logged and the old pair kept.
        try "not a certificate\n".write(toFile: pki.serverCertificate, atomically: true, encoding: .utf8)
        #expect(await EndToEnd.eventually(30) { dictator.log.contains("TLS files changed but cannot be used") }, "\(dictator.log)")
        #expect(try await offThePool { try HTTPTestServerCertificates.servedSerial(port: port) } == first)

        // A new pair (as cert-manager writes it): new connections get it, without a restart.
        let second = try await offThePool { try pki.reissueServerCertificate() }
        #expect(second != first)
        #expect(await EndToEnd.eventually(30) {
            (try? await offThePool { try HTTPTestServerCertificates.servedSerial(port: port) }) == second
        }, "\(dictator.log)")
        let rotated = ContinuousClock.now
        #expect(dictator.log.contains("TLS certificate reloaded"))
        #expect(try await client.send(HTTPRequest(url: dictator.url + "/readyz", timeout: .seconds(5))).status == 200)

        // The watch made before the rotation still delivers (a heartbeat every second) 2 s after it.
        var alive = false
        while try await watch.next() != nil {
            if ContinuousClock.now - rotated > .seconds(2) { alive = true; break }
        }
        #expect(alive, "\(dictator.log)")
        #expect(dictator.isRunning)

        // SIGTERM with the watch and a keep-alive connection open: a clean stop within the deadline.
        #expect(dictator.stop() == 0)
        #expect(dictator.log.contains("stopped") && !dictator.log.contains("did not stop within"), "\(dictator.log)")
    }
}
