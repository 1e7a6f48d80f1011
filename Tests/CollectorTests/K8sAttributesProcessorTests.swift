import AeolusModel
@testable import Collector
import Foundation
import Logging
import Testing

/// Keeps the messages logged at warning level or above (to count warnings).
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    var warnings: [String] { lock.withLock { messages } }

    var logger: Logger {
        Logger(label: "capture") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: WarningLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            if level >= .warning { log.lock.withLock { log.messages.append(message.description) } }
        }
    }
}

@Suite("k8sattributes processor")
struct K8sAttributesProcessorTests {
    static func pod(_ name: String, ip: String?, owner: Workload? = nil, workload: Workload? = nil, hostNetwork: Bool = false,
                    phase: String = "Running", labels: [String: String] = [:]) -> PodRecord {
        PodRecord(namespace: "prod", name: name, uid: "uid-" + name, labels: labels, ips: ip.map { [$0] } ?? [], phase: phase,
                  hostNetwork: hostNetwork, owner: owner, workload: workload)
    }

    static let pods = [
        pod("web-7d4f-abcde", ip: "198.18.1.1", owner: Workload(kind: "ReplicaSet", name: "web-7d4f"),
            workload: Workload(kind: "Deployment", name: "web"), labels: ["app": "web"]),
        pod("agent-x1", ip: "198.18.1.2", owner: Workload(kind: "DaemonSet", name: "agent"), workload: Workload(kind: "DaemonSet", name: "agent")),
        pod("db-0", ip: "198.18.1.3", owner: Workload(kind: "StatefulSet", name: "db"), workload: Workload(kind: "StatefulSet", name: "db")),
        pod("backup-2890-qz", ip: "2001:DB8::0:3", owner: Workload(kind: "Job", name: "backup-2890"), workload: Workload(kind: "CronJob", name: "backup")),
        pod("debug", ip: "198.18.1.5"),
        pod("node-exporter-k", ip: "198.18.0.10", owner: Workload(kind: "DaemonSet", name: "node-exporter"),
            workload: Workload(kind: "DaemonSet", name: "node-exporter"), hostNetwork: true),
        pod("old-job-zz", ip: "198.18.1.1", phase: "Succeeded"),   // a finished pod whose IP web reuses
    ]

    /// A temporary state directory with `pods.json` written from `pods` (nil: no file).
    final class PodsFile {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-pods-\(UUID().uuidString)").path
        var path: String { directory + "/" + NodePods.fileName }

        init(_ pods: [PodRecord]?) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if let pods { try write(pods) }
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// Replaces the file as the agent does (a new file renamed over the old one).
        func write(_ pods: [PodRecord]) throws {
            try write(NodePods(node: "n1", source: "kubernetes", pods: pods).encoded())
        }

        func write(_ data: Data) throws {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    static func processor(_ file: PodsFile, _ configure: (inout K8sAttributesProcessorConfig) -> Void = { _ in },
                          logger: Logger = testLogger()) -> K8sAttributesProcessor {
        var config = K8sAttributesProcessorConfig()
        config.podsFile = file.path
        config.flowAssociation = [.init(ipLabel: "saddr", prefix: "src_"), .init(ipLabel: "daddr", prefix: "dst_")]
        configure(&config)
        let context = ComponentContext(id: ComponentID(type: "k8sattributes"), logger: logger, telemetry: CollectorTelemetry())
        return K8sAttributesProcessor(config: config, context: context, next: Sink())
    }

    static func run(_ processor: K8sAttributesProcessor, _ points: [MetricPoint]) async throws -> [MetricPoint] {
        processor.apply(MetricBatch(points: points), pods: try await processor.snapshot()).points
    }

    /// (pod, the labels a point on its interface gains): bare pods get no workload labels.
    static let workloads: [(String, [String])] = [
        ("web-7d4f-abcde", ["workload=web", "workload_kind=Deployment"]),
        ("agent-x1", ["workload=agent", "workload_kind=DaemonSet"]),
        ("db-0", ["workload=db", "workload_kind=StatefulSet"]),
        ("backup-2890-qz", ["workload=backup", "workload_kind=CronJob"]),
        ("debug", []),
        ("not-in-the-file", []),
    ]

    @Test(arguments: workloads)
    func podInterfacePointGainsItsWorkload(pod: String, added: [String]) async throws {
        let file = try PodsFile(Self.pods)
        let labels = ["pod": pod, "namespace": "prod", "node": "n1", "interface": "eth0"]
        let out = try await Self.run(Self.processor(file), [point("aeolus_pkts", labels, 1)])
        let expected = (labels.map { "\($0.key)=\($0.value)" } + added).sorted()
        #expect(out.lines == ["aeolus_pkts{\(expected.joined(separator: ","))} 1"])
    }

    /// (saddr, daddr, labels added): both ends named; unknown and host-network addresses untouched;
    /// a running pod wins over a finished one with the same address; IPv6 in canonical form.
    static let flows: [(String, String, [String])] = [
        ("198.18.1.1", "198.18.1.3", ["dst_namespace=prod", "dst_pod=db-0", "dst_workload=db", "dst_workload_kind=StatefulSet",
                                      "src_namespace=prod", "src_pod=web-7d4f-abcde", "src_workload=web", "src_workload_kind=Deployment"]),
        ("198.18.1.5", "203.0.113.9", ["src_namespace=prod", "src_pod=debug"]),
        ("198.18.0.10", "198.18.9.9", []),
        ("2001:db8::3", "198.18.0.10", ["src_namespace=prod", "src_pod=backup-2890-qz", "src_workload=backup", "src_workload_kind=CronJob"]),
    ]

    @Test(arguments: flows)
    func flowPointsNameThePodsAtBothEnds(saddr: String, daddr: String, added: [String]) async throws {
        let file = try PodsFile(Self.pods)
        let out = try await Self.run(Self.processor(file), [point("aeolus_flow_bytes", ["saddr": saddr, "daddr": daddr], 10)])
        let expected = (["daddr=\(daddr)", "saddr=\(saddr)"] + added).sorted()
        #expect(out.lines == ["aeolus_flow_bytes{\(expected.joined(separator: ","))} 10"])
    }

    @Test func extractsMetadataAndPodLabelsAndAssociatesByIP() async throws {
        let file = try PodsFile(Self.pods)
        let processor = Self.processor(file) { config in
            config.metadata = [.owner, .ownerKind, .podUID, .node, .phase]
            config.labels = [.init(key: "app", tagName: "app"), .init(key: "app")]
            config.podAssociation = [.labels(pod: "pod", namespace: "namespace"), .ip(label: "peer")]
            config.flowAssociation = []
        }
        let out = try await Self.run(processor, [point("x", ["peer": "198.18.1.1"], 1)])
        #expect(out.lines == ["x{app=web,label_app=web,namespace=prod,node=n1,owner=web-7d4f,owner_kind=ReplicaSet,peer=198.18.1.1,"
                              + "phase=Running,pod=web-7d4f-abcde,pod_uid=uid-web-7d4f-abcde} 1"])
    }

    @Test func aPointOfAHostVethFindsItsPodByDefault() async throws {
        var web = Self.pods[0]
        web.hostInterface = "cali12ab"
        var host = Self.pods[5]
        host.hostInterface = "eth0"   // a host-network pod never owns an interface
        let file = try PodsFile([web, host])
        let out = try await Self.run(Self.processor(file) { $0.flowAssociation = [] },
                                     [point("aeolus_pod_packets_total", ["interface": "cali12ab"], 3),
                                      point("aeolus_pod_packets_total", ["interface": "eth0"], 4)])
        #expect(out.lines == ["aeolus_pod_packets_total{interface=cali12ab,namespace=prod,pod=web-7d4f-abcde,workload=web,"
                              + "workload_kind=Deployment} 3",
                              "aeolus_pod_packets_total{interface=eth0} 4"])
    }

    @Test func theFileChangingBetweenBatchesIsReadAgain() async throws {
        let file = try PodsFile([Self.pods[0]])
        let processor = Self.processor(file)
        let sample = point("aeolus_pkts", ["pod": "db-0", "namespace": "prod"], 1)
        #expect(try await Self.run(processor, [sample]).lines == ["aeolus_pkts{namespace=prod,pod=db-0} 1"])
        try file.write(Self.pods)
        #expect(try await Self.run(processor, [sample]).lines == ["aeolus_pkts{namespace=prod,pod=db-0,workload=db,workload_kind=StatefulSet} 1"])
    }

    /// A pod gone from the file still names its points (and staleness markers) for the grace
    /// period, so the marker ends the series its samples made; after it, nothing.
    @Test func departedPodsCountForTheGracePeriod() async throws {
        let file = try PodsFile(Self.pods)
        let marker = point("aeolus_pkts", ["pod": "db-0", "namespace": "prod"], MetricPoint.staleNaN)
        for (grace, expected) in [(Duration.seconds(60), ",workload=db,workload_kind=StatefulSet"), (.zero, "")] {
            let processor = Self.processor(file) { $0.podDeleteGracePeriod = grace }
            _ = try await Self.run(processor, [])
            try file.write(Self.pods.filter { $0.name != "db-0" })
            let out = try await Self.run(processor, [marker])
            #expect(out.lines == ["aeolus_pkts{namespace=prod,pod=db-0\(expected)} NaN"])
            #expect(out.first?.isStale == true)
            try file.write(Self.pods)
        }
    }

    /// A missing or garbled file: points pass unchanged, one warning however many batches.
    @Test(arguments: [nil, Data("{not json".utf8)])
    func missingOrGarbledFilePassesPointsWithOneWarning(content: Data?) async throws {
        let file = try PodsFile(nil)
        if let content { try file.write(content) }
        let log = WarningLog()
        let processor = Self.processor(file, logger: log.logger)
        let sample = point("aeolus_pkts", ["pod": "db-0", "namespace": "prod", "saddr": "198.18.1.1"], 1)
        for _ in 0..<3 { #expect(try await Self.run(processor, [sample]) == [sample]) }
        #expect(log.warnings.count == 1, "\(log.warnings)")
    }

    /// A collector config whose `k8sattributes` processor has `fields` (YAML lines).
    static func collectorYAML(_ fields: [String]) -> String {
        """
        receivers:
          ebpf:
        processors:
          k8sattributes:
        \(fields.map { "    " + $0 }.joined(separator: "\n"))
        exporters:
          debug:
        service:
          telemetry: {metrics: {address: none}}
          pipelines:
            metrics: {receivers: [ebpf], processors: [k8sattributes], exporters: [debug]}
        """
    }

    @Test func configReadsWithDefaults() throws {
        _ = try CollectorConfig.parse(yaml: Self.collectorYAML([
            "extract:",
            "  metadata: [workload, workload_kind, owner]",
            "  labels: [{key: app, tag_name: app}, {key: app.kubernetes.io/name}]",
            "pod_association:",
            "  - {from: labels, pod: pod, namespace: namespace}",
            "  - {from: ip, name: peer}",
            "flow_association:",
            "  - {ip_label: saddr, prefix: src_}",
        ]), file: "c.yaml")
        let config = K8sAttributesProcessorConfig()
        #expect(config.podsFile == "/var/lib/aeolus/agent/pods.json")
        #expect(config.metadata == [.workload, .workloadKind])
        #expect(config.podAssociation == [.labels(pod: "pod", namespace: "namespace"), .hostInterface(label: "interface")])
        #expect(K8sAttributesProcessorConfig.PodLabel(key: "app.kubernetes.io/name").tagName == "label_app_kubernetes_io_name")
    }

    /// (a field, the error naming it)
    static let mistakes: [(String, String)] = [
        ("extract: {metadata: [deployment]}", "processors.k8sattributes.extract.metadata[0]: expected one of workload"),
        ("extract: {labels: [{tag_name: x}]}", "processors.k8sattributes.extract.labels[0].key: missing required field"),
        ("extract: {labels: [{key: a, tag_name: 9x}]}", "processors.k8sattributes.extract.labels[0].tag_name: \"9x\" is not a valid label name"),
        ("pod_association: [{from: ip}]", "processors.k8sattributes.pod_association[0].name: from: ip needs name"),
        ("pod_association: [{from: connection}]", "processors.k8sattributes.pod_association[0].from: expected one of labels, ip, uid"),
        ("flow_association: [{ip_label: saddr}]", "processors.k8sattributes.flow_association[0].prefix: missing required field"),
        ("flow_association: [{ip_label: saddr, prefix: \"-\"}]", "processors.k8sattributes.flow_association[0].prefix: \"-pod\" is not a valid label name"),
        ("pod_association: []", "processors.k8sattributes.pod_association: nothing to associate"),
        ("pods_file: \"\"", "processors.k8sattributes.pods_file: must not be empty"),
        ("pod_file: /x", "unknown field \"pod_file\""),
    ]

    @Test(arguments: mistakes)
    func configMistakesNameTheField(field: String, message: String) throws {
        let error = try #require(throws: ConfigErrors.self) { try CollectorConfig.parse(yaml: Self.collectorYAML([field]), file: "c.yaml") }
        #expect(error.errors.contains { $0.description.contains(message) }, "\(error)")
    }
}
