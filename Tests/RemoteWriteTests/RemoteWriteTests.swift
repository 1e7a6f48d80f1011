import Testing
import Snappy
@testable import RemoteWrite

@Suite struct RemoteWriteTests {
    @Test func roundTripKeepsSeriesLabelsAndSamples() throws {
        let series = TimeSeries(name: "aeolus_tcp_retransmits_total",
                                labels: ["saddr": "198.18.0.1", "daddr": "198.18.0.2", "node": "n1"],
                                samples: [Sample(value: 7, timestampMilliseconds: 1_700_000_000_000)])
        let body = try RemoteWrite.encode(WriteRequest(timeseries: [series]))
        let decoded = try RemoteWrite.decode(body)
        #expect(decoded.timeseries.count == 1)
        #expect(decoded.timeseries[0].labels.map(\.name) == ["__name__", "daddr", "node", "saddr"])
        #expect(decoded.timeseries[0].label("saddr") == "198.18.0.1")
        #expect(decoded.timeseries[0].samples[0].value == 7)
        #expect(decoded.timeseries[0].samples[0].timestamp == 1_700_000_000_000)
    }

    /// A request built by hand from the protobuf wire format, as any other sender would write it.
    @Test func decodesHandWrittenWireBytes() throws {
        func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] { [number << 3 | 2, UInt8(bytes.count)] + bytes }
        let label = field(1, Array("__name__".utf8)) + field(2, Array("up".utf8))
        // Sample: value 1.0 (fixed64, field 1), timestamp 5 (varint, field 2).
        let sample: [UInt8] = [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x10, 0x05]
        let series = field(1, label) + field(2, sample)
        let body = Snappy.compress(field(1, series))
        let decoded = try RemoteWrite.decode(body)
        #expect(decoded.timeseries.first?.label("__name__") == "up")
        #expect(decoded.timeseries.first?.samples.first == Sample(value: 1, timestampMilliseconds: 5))
    }

    @Test(arguments: [
        ([("__name__", "up"), ("__name__", "up")], "duplicate"),
        ([("b", "1"), ("a", "1"), ("__name__", "up")], "not sorted"),
        ([("a", "1")], "no __name__"),
        ([("__name__", "up"), ("bad-name", "1")], "invalid label name"),
        ([("__name__", "")], "empty metric name"),
        ([("__name__", "up"), ("zone", String(repeating: "z", count: 5 << 20))], "at most 2048"),
        ([("__name__", "up"), (String(repeating: "n", count: 2000), "1")], "at most 1024"),
        ([("__name__", "up")] + (0..<100).map { (String(format: "l%03d", $0), "v") }, "101 labels, at most 64"),
    ])
    func refusesBadLabels(labels: [(String, String)], reason: String) throws {
        var series = TimeSeries()
        series.labels = labels.map { Label(name: $0.0, value: $0.1) }
        series.samples = [Sample(value: 1, timestampMilliseconds: 1)]
        let body = try RemoteWrite.encode(WriteRequest(timeseries: [series]))
        let error = #expect(throws: RemoteWriteError.self) { try RemoteWrite.decode(body) }
        #expect(error?.code == .badLabels)
        #expect(error?.httpStatus == 400)
        #expect(error?.message.contains(reason) == true)
    }

    @Test func refusesBadSnappyAndBadProtobuf() throws {
        let notSnappy = #expect(throws: RemoteWriteError.self) { try RemoteWrite.decode([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(notSnappy?.code == .badSnappy)
        let notProtobuf = #expect(throws: RemoteWriteError.self) {
            try RemoteWrite.decode(Snappy.compress([0x0A, 0x7F, 0x01]))
        }
        #expect(notProtobuf?.code == .badProtobuf)
    }

    @Test func refusesOversizedBodies() throws {
        let series = TimeSeries(name: "big", labels: ["x": String(repeating: "a", count: 4096)],
                                samples: [Sample(value: 1, timestampMilliseconds: 1)])
        let body = try RemoteWrite.encode(WriteRequest(timeseries: [series]))
        let compressed = #expect(throws: RemoteWriteError.self) {
            try RemoteWrite.decode(body, limits: .init(maxCompressedBytes: 10, maxUncompressedBytes: 1 << 20))
        }
        #expect(compressed?.httpStatus == 413)
        let uncompressed = #expect(throws: RemoteWriteError.self) {
            try RemoteWrite.decode(body, limits: .init(maxCompressedBytes: 1 << 20, maxUncompressedBytes: 1000))
        }
        #expect(uncompressed?.httpStatus == 413)
    }

    @Test func labelNames() {
        for good in ["a", "_", "__name__", "le", "a1_b2"] { #expect(RemoteWrite.isValidLabelName(good)) }
        for bad in ["", "1a", "a-b", "a.b", "ä"] { #expect(!RemoteWrite.isValidLabelName(bad)) }
    }

    /// Arbitrary bytes only ever throw.
    @Test func randomBodiesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let body = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? RemoteWrite.decode(body)
        }
    }
}
