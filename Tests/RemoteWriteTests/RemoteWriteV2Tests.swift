import Snappy
import Testing
@testable import RemoteWrite

/// Remote write 2.0: the Content-Type negotiation, the symbols table, and what a receiver refuses.
@Suite struct RemoteWriteV2Tests {
    static let flow = TimeSeries(name: "aeolus_tcp_retransmits_total",
                                 labels: ["saddr": "198.18.0.1", "daddr": "198.18.0.2", "node": "n1"],
                                 samples: [Sample(value: 7, timestampMilliseconds: 1_700_000_000_000)])

    @Test(arguments: [
        (nil, RemoteWrite.Message.v1),
        ("application/x-protobuf", .v1),
        ("application/x-protobuf;proto=prometheus.WriteRequest", .v1),
        ("application/x-protobuf;proto=io.prometheus.write.v2.Request", .v2),
        ("Application/X-Protobuf; proto=io.prometheus.write.v2.Request", .v2),
    ] as [(String?, RemoteWrite.Message)])
    func contentTypeNamesTheMessage(contentType: String?, message: RemoteWrite.Message) throws {
        #expect(try RemoteWrite.Message(contentType: contentType) == message)
    }

    @Test(arguments: ["application/json", "application/x-protobuf;proto=io.prometheus.write.v3.Request"])
    func otherContentTypesAreUnsupported(contentType: String) {
        do {
            _ = try RemoteWrite.Message(contentType: contentType)
            Issue.record("\(contentType) was accepted")
        } catch {
            #expect(error.httpStatus == 415)
        }
    }

    @Test func symbolizedRequestsDecodeToTheSameSeries() throws {
        let other = TimeSeries(name: "aeolus_tcp_retransmits_total", labels: ["saddr": "198.18.0.1", "daddr": "198.18.0.3", "node": "n1"],
                               samples: [Sample(value: 1, timestampMilliseconds: 5), Sample(value: 2, timestampMilliseconds: 6)])
        let v1 = WriteRequest(timeseries: [Self.flow, other])
        let v2 = RemoteWrite.symbolized(v1)
        #expect(v2.symbols.first == "")
        #expect(v2.symbols.count == Set(v2.symbols).count, "every string once")
        let received = try RemoteWrite.decode(try RemoteWrite.encode(v2), as: .v2)
        #expect(received.request == v1)
        #expect(received.samples == 3)
        #expect(received.histograms == 0)
    }

    @Test func histogramsAreCountedNotDecoded() throws {
        var v2 = RemoteWrite.symbolized(WriteRequest(timeseries: [Self.flow]))
        var histogramOnly = v2.timeseries[0]
        histogramOnly.samples = []
        histogramOnly.histograms = [Io_Prometheus_Write_V2_Histogram(), Io_Prometheus_Write_V2_Histogram()]
        v2.timeseries.append(histogramOnly)
        let received = try RemoteWrite.decode(try RemoteWrite.encode(v2), as: .v2)
        #expect(received.request.timeseries.count == 1)
        #expect(received.histograms == 2)
    }

    /// Ways to break a request, and the reason the receiver must give.
    enum Damage: String, CaseIterable, Sendable {
        case firstSymbolNotEmpty = "symbols[0]", oddReferences = "odd length", referenceOutside = "outside"
        case emptyValue = "empty value", unsorted = "not sorted"

        func apply(to request: inout WriteRequestV2) {
            switch self {
            case .firstSymbolNotEmpty: request.symbols[0] = "x"
            case .oddReferences: request.timeseries[0].labelsRefs.removeLast()
            case .referenceOutside: request.timeseries[0].labelsRefs[1] = 999
            case .emptyValue: request.timeseries[0].labelsRefs[1] = 0
            case .unsorted:
                request.timeseries[0].labelsRefs.swapAt(0, 2)
                request.timeseries[0].labelsRefs.swapAt(1, 3)
            }
        }
    }

    @Test(arguments: Damage.allCases)
    func badRequestsAreRefusedWithTheReason(_ damage: Damage) throws {
        var v2 = RemoteWrite.symbolized(WriteRequest(timeseries: [Self.flow]))
        damage.apply(to: &v2)
        do {
            _ = try RemoteWrite.decode(try RemoteWrite.encode(v2), as: .v2)
            Issue.record("\(damage) was accepted")
        } catch let error as RemoteWriteError {
            #expect(error.httpStatus == 400)
            #expect(error.message.contains(damage.rawValue), "\(damage): \(error.message)")
        }
    }

    /// Arbitrary bytes, and a 1.0 body sent as 2.0, only ever throw or decode to nothing.
    @Test func randomBodiesNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let body = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? RemoteWrite.decode(Snappy.compress(body), as: .v2)
        }
        let v1Body = try RemoteWrite.encode(WriteRequest(timeseries: [Self.flow]))
        #expect((try? RemoteWrite.decode(v1Body, as: .v2))?.samples ?? 0 == 0, "fields 1 to 3 are reserved in 2.0")
    }
}
