import AeolusModel
import AeolusTesting
import BPFKit
@testable import Collector
import Foundation
import Testing

/// Against a real Prometheus (Debian's `prometheus`), started per test on 127.0.0.1.
@Suite("Collector with a real Prometheus")
struct PrometheusIntegrationTests {
    @Test func remoteWriteLandsInPrometheus() async throws {
        let prometheus = try await PrometheusServer.start(remoteWriteReceiver: true)
        defer { prometheus.stop() }
        var config = RemoteWriteExporterConfig()
        config.endpoint = prometheus.remoteWriteURL
        config.externalLabels = ["cluster": "it"]
        config.shutdownTimeout = .seconds(60)  // the flush is what is tested; a loaded machine may take seconds
        let exporter = RemoteWriteExporter(config: config, context: testContext("prometheusremotewrite"))
        try await exporter.start()
        let now = MetricPoint.now()
        try await exporter.consume(MetricBatch(points: [
            point("aeolus_it_retransmits_total", ["saddr": "198.18.0.1", "dport": "443"], 12, at: now),
            point("aeolus_it_retransmits_total", ["saddr": "198.18.0.5", "dport": "80"], 3, at: now),
        ]))
        try await exporter.shutdown()
        let result = try await prometheus.waitFor("aeolus_it_retransmits_total{cluster=\"it\"}") { $0.count == 2 }
        let bySource = Dictionary(uniqueKeysWithValues: result.map { ($0.labels["saddr"] ?? "", $0) })
        #expect(bySource["198.18.0.1"]?.value == 12)
        #expect(bySource["198.18.0.1"]?.labels["dport"] == "443")
        #expect(bySource["198.18.0.5"]?.value == 3)
    }

    static let program = """
        #include <linux/bpf.h>
        #include <linux/if_ether.h>
        #include <linux/pkt_cls.h>
        #include <bpf/bpf_helpers.h>
        #include <bpf/bpf_endian.h>

        struct key { __u32 ifindex; __u8 proto; __u8 pad[3]; };  /* 3 bytes of padding after the labels */

        struct {
            __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
            __uint(max_entries, 1024);
            __type(key, struct key);
            __type(value, __u64);
        } pkts SEC(".maps");

        SEC("tc")
        int count_packets(struct __sk_buff *skb)
        {
            struct key k = {};
            k.ifindex = skb->ifindex;
            if (skb->protocol == bpf_htons(ETH_P_IP))
                bpf_skb_load_bytes(skb, ETH_HLEN + 9, &k.proto, 1);
            __u64 one = 1, *count = bpf_map_lookup_elem(&pkts, &k);
            if (count)
                *count += 1;
            else
                bpf_map_update_elem(&pkts, &k, &one, BPF_NOEXIST);
            return TC_ACT_OK;
        }

        char LICENSE[] SEC("license") = "GPL";
        """

    /// A tc counter in a test namespace, its map pinned, a probes.json naming it: the ebpf
    /// receiver reads it, the prometheus exporter serves it, Prometheus scrapes it.
    @Test func prometheusScrapesTheProbesCounterAfterRealTraffic() async throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let pinDirectory = "/sys/fs/bpf/aeolus-collector-test-\(UUID().uuidString.prefix(8))"
        let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-state-\(UUID().uuidString)").path
        defer {
            _ = try? BPFFileSystem.unpin(pinDirectory + "/pkts")
            rmdir(pinDirectory)
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }
        let object = try LoadedObject.load(elf: try await Clang.compileBPF(source: Self.program), name: "count_packets", pinMapsUnder: pinDirectory)
        defer { object.close() }
        let link = try await object.program(named: "count_packets").attachTC(interface: pod.interface, direction: .ingress, namespace: pod.path)
        defer { link.close() }

        let spec = MetricSpec(name: "aeolus_test_packets", type: .counter, help: "Packets on a pod's interface.", map: "pkts", labels: [
            LabelSpec(name: "interface", size: 4, decoders: [DecoderSpec(name: "ifname")]),
            LabelSpec(name: "protocol", size: 1, decoders: [DecoderSpec(name: "ip_protocol")]),
        ], perCPU: true)
        let state = NodeProbeState(node: "node-from-state", probes: [ProbeState(
            id: "policy/pod-traffic", template: "pod-traffic", digest: "sha256:test", state: .live,
            attachments: [.init(hook: "tc", target: pod.interface, netns: pod.path, pod: "web-1", namespace: "default",
                                ifindex: Int(link.attachment.ifindex))],
            maps: ["pkts": pinDirectory + "/pkts"], metrics: [spec])])
        try state.write(toDirectory: stateDirectory)

        let exporterPort = try PrometheusServer.freePort()
        let yaml = """
            receivers:
              ebpf: {state_dir: "\(stateDirectory)", interval: 200ms, node: test-node}
            exporters:
              prometheus: {endpoint: "127.0.0.1:\(exporterPort)"}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines:
                metrics: {receivers: [ebpf], exporters: [prometheus]}
            """
        let collector = try Collector(config: CollectorConfig.parse(yaml: yaml, file: "it.yaml"), logger: testLogger())
        try await collector.start()
        let prometheus = try await PrometheusServer.start(scrapeTargets: ["127.0.0.1:\(exporterPort)"])
        defer { prometheus.stop() }

        try pod.sendUDP(toPort: 9999, count: 25)

        let query = "aeolus_test_packets_total{interface=\"\(pod.interface)\",protocol=\"udp\"}"
        let result = try await prometheus.waitFor(query) { $0.first.map { $0.value >= 25 } ?? false }
        await collector.shutdown()
        let sample = try #require(result.first, "Prometheus has no \(query)")
        #expect(sample.value >= 25)
        #expect(sample.labels["pod"] == "web-1")
        #expect(sample.labels["namespace"] == "default")
        #expect(sample.labels["node"] == "test-node")
        #expect(sample.labels["job"] == "collector")
    }

    /// The collector's own `/metrics` is scraped too.
    @Test func selfTelemetryIsScrapable() async throws {
        let telemetryPort = try PrometheusServer.freePort()
        let yaml = """
            receivers:
              ebpf: {state_dir: /nonexistent-aeolus-state, interval: 100ms}
            exporters:
              debug:
            service:
              telemetry: {metrics: {address: "127.0.0.1:\(telemetryPort)"}}
              pipelines:
                metrics: {receivers: [ebpf], exporters: [debug]}
            """
        let collector = try Collector(config: CollectorConfig.parse(yaml: yaml, file: "self.yaml"), logger: testLogger())
        try await collector.start()
        let prometheus = try await PrometheusServer.start(scrapeTargets: ["127.0.0.1:\(telemetryPort)"])
        defer { prometheus.stop() }
        let result = try await prometheus.waitFor("aeolus_collector_map_entries_read_total") { !$0.isEmpty }
        await collector.shutdown()
        #expect(result.first?.labels["receiver"] == "ebpf")
    }
}
