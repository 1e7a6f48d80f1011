import AeolusModel
import AeolusTesting
import BPFKit
@testable import Collector
import Foundation
import Testing

/// Real pinned maps and a real probes.json: when the agent detaches a pod's interface or removes
/// a probe, the series leave the prometheus exporter's page at the next read, and a real
/// Prometheus receiving remote write sees them end.
@Suite("Stale series with real maps")
struct StaleSeriesIntegrationTests {
    static let program = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        struct {
            __uint(type, BPF_MAP_TYPE_HASH);
            __uint(max_entries, 64);
            __type(key, __u32);
            __type(value, __u64);
        } pkts SEC(".maps");
        struct {
            __uint(type, BPF_MAP_TYPE_HASH);
            __uint(max_entries, 64);
            __type(key, __u32);
            __type(value, __u64);
        } drops SEC(".maps");
        SEC("tc") int touch(struct __sk_buff *skb) {
            __u32 k = 0;
            bpf_map_lookup_elem(&pkts, &k);
            bpf_map_lookup_elem(&drops, &k);
            return 0;
        }
        char LICENSE[] SEC("license") = "GPL";
        """

    /// Two probes over pinned maps: `pod-traffic` on two pod interfaces (ifindex 3 and 4),
    /// `drops` on a tracepoint.
    final class Fixture {
        let pinDirectory = "/sys/fs/bpf/aeolus-stale-\(UUID().uuidString.prefix(8))"
        let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-stale-\(UUID().uuidString)").path
        let object: LoadedObject
        let reader: ProbeMapReader
        let exporter = PrometheusExporter(config: PrometheusExporterConfig(), context: testContext("prometheus"))
        let context = testContext("ebpf")

        static let traffic = MetricSpec(name: "aeolus_it_pod_packets", type: .counter, map: "pkts", labels: [
            LabelSpec(name: "interface", size: 4, decoders: [DecoderSpec(name: "ifname")]),
        ])
        static let drops = MetricSpec(name: "aeolus_it_drops", type: .counter, map: "drops", labels: [LabelSpec(name: "reason", size: 4)])

        init() async throws {
            try KernelTest.requireRoot()
            object = try LoadedObject.load(elf: try await Clang.compileBPF(source: StaleSeriesIntegrationTests.program), name: "stale", pinMapsUnder: pinDirectory)
            let u64 = { (value: UInt64) in withUnsafeBytes(of: value.littleEndian, Array.init) }
            let u32 = { (value: UInt32) in withUnsafeBytes(of: value.littleEndian, Array.init) }
            let pkts = try object.map(named: "pkts"), drops = try object.map(named: "drops")
            try pkts.update(u32(3), u64(10))
            try pkts.update(u32(4), u64(20))
            try drops.update(u32(2), u64(5))
            reader = ProbeMapReader(stateDirectory: stateDirectory, node: "n1", logger: testLogger())
        }

        deinit {
            reader.close()
            object.close()
            for map in ["pkts", "drops"] { _ = try? BPFFileSystem.unpin(pinDirectory + "/" + map) }
            rmdir(pinDirectory)
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }

        func writeState(interfaces: [Int], withDrops: Bool) throws {
            var probes = [ProbeState(
                id: "policy/pod-traffic", template: "pod-traffic", digest: "sha256:t", state: .live,
                attachments: interfaces.map { .init(hook: "tc", target: "veth\($0)", netns: nil, pod: "web-\($0)", namespace: "prod", ifindex: $0) },
                maps: ["pkts": pinDirectory + "/pkts"], metrics: [Self.traffic])]
            if withDrops {
                probes.append(ProbeState(id: "policy/drops", template: "drops", digest: "sha256:d", state: .live,
                                         attachments: [.init(hook: "tracepoint", target: "skb:kfree_skb")],
                                         maps: ["drops": pinDirectory + "/drops"], metrics: [Self.drops]))
            }
            try NodeProbeState(node: "n1", probes: probes).write(toDirectory: stateDirectory)
        }

        /// One read through the receiver into the exporter: the page's sample lines.
        func scrape() async -> [String] {
            await EBPFReceiver.scrape(reader: reader, context: context, next: exporter)
            return exporter.render().split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init).sorted()
        }
    }

    @Test func detachedInterfaceLeavesThePageAtTheNextRead() async throws {
        let fixture = try await Fixture()
        try fixture.writeState(interfaces: [3, 4], withDrops: true)
        #expect(await fixture.scrape() == [
            "aeolus_it_drops_total{node=\"n1\",reason=\"2\"} 5",
            "aeolus_it_pod_packets_total{interface=\"veth3\",namespace=\"prod\",node=\"n1\",pod=\"web-3\"} 10",
            "aeolus_it_pod_packets_total{interface=\"veth4\",namespace=\"prod\",node=\"n1\",pod=\"web-4\"} 20",
        ])
        // The agent detaches web-4; its map entry stays in the pinned map.
        try fixture.writeState(interfaces: [3], withDrops: true)
        #expect(await fixture.scrape() == [
            "aeolus_it_drops_total{node=\"n1\",reason=\"2\"} 5",
            "aeolus_it_pod_packets_total{interface=\"veth3\",namespace=\"prod\",node=\"n1\",pod=\"web-3\"} 10",
        ])
    }

    @Test func removedProbeLeavesThePageAtTheNextRead() async throws {
        let fixture = try await Fixture()
        try fixture.writeState(interfaces: [3], withDrops: true)
        #expect(await fixture.scrape().count == 2)
        try fixture.writeState(interfaces: [3], withDrops: false)
        #expect(await fixture.scrape() == [
            "aeolus_it_pod_packets_total{interface=\"veth3\",namespace=\"prod\",node=\"n1\",pod=\"web-3\"} 10",
        ])
        // The state file gone: everything ends.
        try FileManager.default.removeItem(atPath: fixture.stateDirectory + "/" + NodeProbeState.fileName)
        #expect(await fixture.scrape() == [])
    }

    /// The markers go out through remote write, and Prometheus ends the series: an instant query
    /// no longer finds it although its last real sample is seconds old.
    @Test func remoteWriteEndsTheSeriesInPrometheus() async throws {
        let fixture = try await Fixture()
        let prometheus = try await PrometheusServer.start(remoteWriteReceiver: true)
        defer { prometheus.stop() }
        var config = RemoteWriteExporterConfig()
        config.endpoint = prometheus.remoteWriteURL
        config.shutdownTimeout = .seconds(60)  // the flush is what is tested; a loaded machine may take seconds
        let remote = RemoteWriteExporter(config: config, context: testContext("prometheusremotewrite"))
        try await remote.start()
        try fixture.writeState(interfaces: [3, 4], withDrops: false)
        await EBPFReceiver.scrape(reader: fixture.reader, context: fixture.context, next: remote)
        let query = "aeolus_it_pod_packets{pod=\"web-4\"}"
        _ = try await prometheus.waitFor(query) { $0.count == 1 }
        try fixture.writeState(interfaces: [3], withDrops: false)
        await EBPFReceiver.scrape(reader: fixture.reader, context: fixture.context, next: remote)
        try await remote.shutdown()
        let ended = try await prometheus.waitFor(query) { $0.isEmpty }
        #expect(ended.isEmpty)
        #expect(try await prometheus.waitFor("aeolus_it_pod_packets{pod=\"web-3\"}") { $0.count == 1 }.count == 1)
    }
}
