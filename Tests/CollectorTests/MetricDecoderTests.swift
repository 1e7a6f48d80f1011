import AeolusModel
@testable import Collector
import Testing

@Suite("Map decoding")
struct MetricDecoderTests {
    typealias Entry = (key: [UInt8], value: [UInt8])

    func decode(_ spec: MetricSpec, _ entries: [Entry], valueSize: Int = 8, perCPU: Bool = false,
                context: DecoderContext = DecoderContext(), fixed: [MetricLabel] = []) throws -> [MetricPoint] {
        let decoder = try MetricDecoder(spec: spec, context: context, fixedLabels: fixed)
        return try decoder.decode(timestamp: 5, valueSize: valueSize, perCPU: perCPU) { body in
            for entry in entries { try entry.key.withUnsafeBytes { k in try entry.value.withUnsafeBytes { v in try body(k, v) } } }
        }
    }

    static func u64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    static func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

    static let flow = MetricSpec(name: "aeolus_tcp_retransmits_total", type: .counter, map: "retransmits", labels: [
        LabelSpec(name: "saddr", size: 4, decoders: [DecoderSpec(name: "inet_ip")]),
        LabelSpec(name: "daddr", size: 4, decoders: [DecoderSpec(name: "inet_ip")]),
        LabelSpec(name: "dport", size: 2, decoders: [DecoderSpec(name: "port")]),
    ])

    @Test func counterWithLabelsInKeyOrderAndTrailingPadding() throws {
        let key: [UInt8] = [198, 18, 0, 1, 198, 18, 0, 2, 0x1f, 0x90, 0, 0]   // 2 bytes of padding
        let points = try decode(Self.flow, [(key, Self.u64(3))], fixed: [MetricLabel("node", "n1")])
        #expect(points.lines == ["aeolus_tcp_retransmits_total{daddr=198.18.0.2,dport=8080,node=n1,saddr=198.18.0.1} 3"])
        #expect(points[0].kind == .counter)
    }

    @Test func perCPUValuesAreSummed() throws {
        let spec = MetricSpec(name: "x_total", type: .counter, map: "m", labels: [LabelSpec(name: "k", size: 4)], valueSize: 8, perCPU: true)
        let value = Self.u64(1) + Self.u64(2) + Self.u64(39)
        #expect(try decode(spec, [(Self.u32(1), value)], perCPU: true).lines == ["x_total{k=1} 42"])
        let small = Self.u32(5) + [0, 0, 0, 0] + Self.u32(6) + [0, 0, 0, 0]   // 4-byte values in 8-byte slots
        #expect(try decode(spec, [(Self.u32(1), small)], valueSize: 4, perCPU: true).lines == ["x_total{k=1} 11"])
    }

    @Test func gauge() throws {
        let spec = MetricSpec(name: "cwnd", type: .gauge, map: "m", labels: [LabelSpec(name: "port", size: 2, decoders: [DecoderSpec(name: "uint")])])
        let points = try decode(spec, [([0x50, 0], Self.u32(10))], valueSize: 4)
        #expect(points.lines == ["cwnd{port=80} 10"])
        #expect(points[0].kind == .gauge)
    }

    @Test func exp2HistogramIsCumulative() throws {
        let spec = MetricSpec(name: "size_bytes", type: .histogram, map: "m", labels: [
            LabelSpec(name: "dir", size: 1, decoders: [DecoderSpec(name: "static_map", args: ["0": "in"])]),
            LabelSpec(name: "bucket", size: 4),
        ], buckets: HistogramBuckets(type: .exp2, min: 0, max: 3, multiplier: 1))
        let entries: [Entry] = [([0] + Self.u32(0), Self.u64(1)), ([0] + Self.u32(2), Self.u64(2)), ([0] + Self.u32(9), Self.u64(4))]
        let lines = try decode(spec, entries).lines
        #expect(lines == [
            "size_bytes_bucket{dir=in,le=+Inf} 7", "size_bytes_bucket{dir=in,le=1} 1", "size_bytes_bucket{dir=in,le=2} 1",
            "size_bytes_bucket{dir=in,le=4} 3", "size_bytes_bucket{dir=in,le=8} 3",   // index 9 is above max: +Inf only
            "size_bytes_count{dir=in} 7", "size_bytes_sum{dir=in} 41",
        ].sorted())
    }

    @Test func linearHistogramUsesTheModelsBounds() throws {
        let spec = MetricSpec(name: "lat", type: .histogram, map: "m", labels: [LabelSpec(name: "b", size: 4)],
                              buckets: HistogramBuckets(type: .linear, min: 1, max: 3, multiplier: 0.5, step: 10, keyLabel: "b"))
        let lines = try decode(spec, [(Self.u32(1), Self.u64(2)), (Self.u32(3), Self.u64(1))]).lines
        #expect(lines == ["lat_bucket{le=+Inf} 3", "lat_bucket{le=10} 2", "lat_bucket{le=15} 3", "lat_bucket{le=5} 2",
                          "lat_count{} 3", "lat_sum{} 25"].sorted())
    }

    @Test func podAndNamespaceFromTheInterface() throws {
        let spec = MetricSpec(name: "pkts_total", type: .counter, map: "m", labels: [LabelSpec(name: "interface", size: 4, decoders: [DecoderSpec(name: "ifname")])])
        let context = DecoderContext(interfaces: [3: .init(hook: "tc", target: "veth-a", pod: "api", namespace: "prod", ifindex: 3)])
        let lines = try decode(spec, [(Self.u32(3), Self.u64(9))], context: context,
                               fixed: [MetricLabel("node", "n"), MetricLabel("pod", "ignored")]).lines
        #expect(lines == ["pkts_total{interface=veth-a,namespace=prod,node=n,pod=api} 9"])
    }

    @Test func histogramWithoutBucketLabelIsAnError() {
        let spec = MetricSpec(name: "h", type: .histogram, map: "m", labels: [LabelSpec(name: "x", size: 4)],
                              buckets: HistogramBuckets(type: .exp2, min: 0, max: 2))
        #expect(throws: LabelDecoderError.self) { try MetricDecoder(spec: spec, context: DecoderContext()) }
    }
}

extension MetricDecoderTests {
    @Test func paddingAfterALabelAndScale() throws {
        let spec = MetricSpec(name: "srtt_seconds", type: .gauge, map: "m", labels: [
            LabelSpec(name: "dir", size: 1, decoders: [DecoderSpec(name: "static_map", args: ["1": "egress"])], padding: 3),
            LabelSpec(name: "port", size: 2, decoders: [DecoderSpec(name: "uint")]),
        ], scale: 0.001)
        let key: [UInt8] = [1, 0xff, 0xff, 0xff, 0x50, 0]
        #expect(try decode(spec, [(key, Self.u64(1500))]).lines == ["srtt_seconds{dir=egress,port=80} 1.5"])
    }
}

extension MetricDecoderTests {
    static func decode(_ decoder: MetricDecoder, _ entries: [Entry]) throws -> [MetricPoint] {
        try decoder.decode(timestamp: 5, valueSize: 8, perCPU: false) { body in
            for entry in entries { try entry.key.withUnsafeBytes { k in try entry.value.withUnsafeBytes { v in try body(k, v) } } }
        }
    }

    static func storage(_ labels: [MetricLabel]) -> UnsafeRawPointer? {
        labels.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    /// A series seen again shares its label array with the previous scrape; a series gone from
    /// the map leaves the cache (with one staleness marker); keys longer than 16 bytes are told apart by all their bytes.
    @Test func seriesCacheSharesLabelsAndForgetsVanishedSeries() throws {
        let spec = MetricSpec(name: "wide_total", type: .counter, map: "m", labels: [
            LabelSpec(name: "a", size: 8), LabelSpec(name: "b", size: 8), LabelSpec(name: "c", size: 4),
        ])
        let decoder = try MetricDecoder(spec: spec, context: DecoderContext(), fixedLabels: [MetricLabel("node", "n")])
        let one: Entry = (Self.u64(1) + Self.u64(2) + Self.u32(3), Self.u64(10))
        let two: Entry = (Self.u64(1) + Self.u64(2) + Self.u32(4), Self.u64(20))   // differs after byte 16 only
        let first = try Self.decode(decoder, [one, two])
        #expect(first.lines == ["wide_total{a=1,b=2,c=3,node=n} 10", "wide_total{a=1,b=2,c=4,node=n} 20"])
        let second = try Self.decode(decoder, [one, two])
        #expect(second.lines == first.lines)
        #expect(Self.storage(second[0].labels) == Self.storage(first[0].labels))
        #expect(decoder.cachedSeriesCount == 2)
        #expect(try Self.decode(decoder, [two]).lines == ["wide_total{a=1,b=2,c=3,node=n} NaN", "wide_total{a=1,b=2,c=4,node=n} 20"])
        #expect(decoder.cachedSeriesCount == 1)
    }
}
