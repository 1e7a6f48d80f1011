import AeolusTesting
import BPFKit
@testable import Collector
import Foundation
import Testing

/// The benchmark at 100k series, printed (figures are for the report; only correctness is asserted).
@Suite("Collector benchmark", .serialized)
struct BenchmarkTests {
    static let series = 100_000

    @Test func decodeWithoutKernel() async throws {
        let result = try await CollectorBenchmark.decode(series: Self.series, rounds: 5)
        print("BENCH \(result)")
        #expect(result.seriesPerSecond > 0)
    }

    static let program = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        struct flow { __u32 saddr, daddr; __u16 dport, proto; };
        struct {
            __uint(type, BPF_MAP_TYPE_HASH);
            __uint(max_entries, 100000);
            __type(key, struct flow);
            __type(value, __u64);
        } flows SEC(".maps");
        SEC("tc") int touch(struct __sk_buff *skb) { struct flow f = {}; bpf_map_lookup_elem(&flows, &f); return 0; }
        char LICENSE[] SEC("license") = "GPL";
        """

    @Test func readDecodeAndExportARealMap() async throws {
        try KernelTest.requireRoot()
        let object = try LoadedObject.load(elf: try await Clang.compileBPF(source: Self.program), name: "bench")
        defer { object.close() }
        let map = try object.map(named: "flows")
        defer { map.close() }
        for index in 0..<Self.series {
            try map.update(CollectorBenchmark.flowKey(index), withUnsafeBytes(of: UInt64(index).littleEndian, Array.init))
        }
        let result = try await CollectorBenchmark.readAndDecode(map: map, rounds: 5)
        print("BENCH \(result)")
        #expect(result.series == Self.series)
    }
}
