import AeolusModel
@testable import Collector
import Foundation
import RemoteWrite
import Testing

/// Series that end get one Prometheus staleness marker, and every component treats it as the end.
@Suite("Staleness")
struct StalenessTests {
    typealias Entry = MetricDecoderTests.Entry
    static let u32 = MetricDecoderTests.u32
    static let u64 = MetricDecoderTests.u64

    @Test func staleMarkerIsPrometheusBitPattern() {
        #expect(MetricPoint.staleNaN.bitPattern == 0x7ff0_0000_0000_0002)
        #expect(point("x", [:], MetricPoint.staleNaN).isStale)
        #expect(!point("x", [:], .nan).isStale)
    }

    /// A series gone from the map gets one marker, then nothing.
    @Test func vanishedSeriesGetsOneMarker() throws {
        let spec = MetricSpec(name: "x_total", type: .counter, map: "m", labels: [LabelSpec(name: "k", size: 4)])
        let decoder = try MetricDecoder(spec: spec, context: DecoderContext())
        let one: Entry = (Self.u32(1), Self.u64(5)), two: Entry = (Self.u32(2), Self.u64(6))
        #expect(try MetricDecoderTests.decode(decoder, [one, two]).lines == ["x_total{k=1} 5", "x_total{k=2} 6"])
        let next = try MetricDecoderTests.decode(decoder, [one])
        #expect(next.lines == ["x_total{k=1} 5", "x_total{k=2} NaN"])
        #expect(next.filter(\.isStale).map(\.kind) == [.counter])
        #expect(try MetricDecoderTests.decode(decoder, [one]).lines == ["x_total{k=1} 5"])
    }

    /// A histogram that ends gets a marker for every one of its sample series.
    @Test func vanishedHistogramGetsAMarkerPerSampleSeries() throws {
        let spec = MetricSpec(name: "h", type: .histogram, map: "m", labels: [LabelSpec(name: "bucket", size: 4)],
                              buckets: HistogramBuckets(type: .exp2, min: 0, max: 1))
        let decoder = try MetricDecoder(spec: spec, context: DecoderContext())
        let live = try MetricDecoderTests.decode(decoder, [(Self.u32(0), Self.u64(1))])
        let ended = try MetricDecoderTests.decode(decoder, [])
        #expect(ended.allSatisfy { $0.isStale })
        #expect(ended.count == live.count)
        #expect(Set(ended.map(\.series)) == Set(live.map(\.series)))
    }

    /// Keys naming an interface (or netns) the probe is no longer attached to are not exported;
    /// probes without such attachments (tracepoints) keep every key.
    @Test func keysOfDetachedInterfacesAreNotExported() throws {
        let byIndex = MetricSpec(name: "pkts_total", type: .counter, map: "m", labels: [LabelSpec(name: "interface", size: 4, decoders: [DecoderSpec(name: "ifname")])])
        let attached = DecoderContext(interfaces: [3: .init(hook: "tc", target: "veth-a", pod: "api", namespace: "prod", ifindex: 3)],
                                      hostInterfaceName: { _ in nil })
        let entries: [Entry] = [(Self.u32(3), Self.u64(1)), (Self.u32(4), Self.u64(2))]
        let decoder = try MetricDecoder(spec: byIndex, context: attached)
        #expect(try MetricDecoderTests.decode(decoder, entries).lines == ["pkts_total{interface=veth-a,namespace=prod,pod=api} 1"])
        #expect(try MetricDecoderTests.decode(decoder, entries).lines == ["pkts_total{interface=veth-a,namespace=prod,pod=api} 1"])
        let tracepoint = try MetricDecoder(spec: byIndex, context: DecoderContext(hostInterfaceName: { _ in nil }))
        #expect(try MetricDecoderTests.decode(tracepoint, entries).lines == ["pkts_total{interface=3} 1", "pkts_total{interface=4} 2"])

        let byNetns = MetricSpec(name: "conns_total", type: .counter, map: "m", labels: [
            LabelSpec(name: "pod", size: 8, decoders: [DecoderSpec(name: "pod", args: ["from": "netns"])]),
        ])
        let namespaces = DecoderContext(networkNamespaces: [77: .init(hook: "cgroup", target: "x", pod: "db-0", namespace: "prod")])
        let netnsDecoder = try MetricDecoder(spec: byNetns, context: namespaces)
        #expect(try MetricDecoderTests.decode(netnsDecoder, [(Self.u64(77), Self.u64(1)), (Self.u64(78), Self.u64(1))]).lines
                == ["conns_total{pod=db-0} 1"])
    }

    @Test func prometheusExporterDeletesAStaleSeries() async throws {
        let exporter = PrometheusExporter(config: PrometheusExporterConfig(), context: testContext("prometheus"))
        try await exporter.consume(MetricBatch(points: [point("a", ["k": "1"], 1), point("a", ["k": "2"], 2)]))
        #expect(exporter.render().contains("a_total{k=\"2\"} 2"))
        try await exporter.consume(MetricBatch(points: [point("a", ["k": "1"], 3), point("a", ["k": "2"], MetricPoint.staleNaN)]))
        let page = exporter.render()
        #expect(page.contains("a_total{k=\"1\"} 3"))
        #expect(!page.contains("k=\"2\""), "\(page)")
    }

    /// Remote write carries the marker's exact bits (Prometheus' receiver ends the series on it).
    @Test func remoteWriteSendsTheMarkerThrough() throws {
        var request = WriteRequest()
        request.timeseries = RemoteWriteExporter.timeSeries([point("a", ["k": "1"], MetricPoint.staleNaN)][...], externalLabels: [:])
        let decoded = try RemoteWrite.decode(try RemoteWrite.encode(request))
        #expect(decoded.timeseries.first?.samples.first?.value.bitPattern == MetricPoint.staleNaN.bitPattern)
    }

    /// delta/rate forget the series and end the converted one; threshold forgets and drops.
    @Test func processorsForgetTheSeriesOnAMarker() throws {
        var changeConfig = CounterChangeConfig()
        changeConfig.suffix = "_rate"
        let rate = try CounterChangeProcessor(mode: .rate, config: changeConfig, next: Sink())
        let values: [(Double, Int64)] = [(10, 1000), (20, 2000), (MetricPoint.staleNaN, 2500), (100, 3000), (110, 4000)]
        let out = values.map { rate.apply(MetricBatch(points: [point("c_total", ["k": "1"], $0.0, at: $0.1)])).points }
        #expect(out.map(\.lines) == [[], ["c_total_rate{k=1} 10"], ["c_total_rate{k=1} NaN"], [], ["c_total_rate{k=1} 10"]])
        #expect(out[2].first?.isStale == true)
        #expect(out[2].first?.kind == .gauge)

        var thresholdConfig = ThresholdProcessorConfig()
        thresholdConfig.above = 5
        thresholdConfig.rate = true
        let threshold = try ThresholdProcessor(config: thresholdConfig, next: Sink())
        let passed = values.map { !threshold.apply(MetricBatch(points: [point("c_total", ["k": "1"], $0.0, at: $0.1)])).isEmpty }
        // After the marker the history starts over: 100 at 3000 only primes it (not a rate of 80/s).
        #expect(passed == [false, true, false, false, true])
    }
}
