import Foundation
import SwiftProtobuf
import Snappy

/// The remote-write 2.0 request, as generated from `Proto/remote_write_v2.proto`.
public typealias WriteRequestV2 = Io_Prometheus_Write_V2_Request

extension RemoteWrite {
    /// The protobuf message a request body holds, told apart by its Content-Type.
    public enum Message: Sendable, Equatable, CustomStringConvertible {
        /// Remote write 1.0: `prometheus.WriteRequest`.
        case v1
        /// Remote write 2.0: `io.prometheus.write.v2.Request`.
        case v2

        /// The message a Content-Type names: `application/x-protobuf` (1.0), with
        /// `proto=prometheus.WriteRequest` (1.0) or `proto=io.prometheus.write.v2.Request` (2.0);
        /// no Content-Type at all is 1.0. Anything else is `unsupported` (HTTP 415).
        public init(contentType: String?) throws(RemoteWriteError) {
            guard let contentType else { self = .v1; return }
            let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "application/x-protobuf" else {
                throw RemoteWriteError(.unsupported, "Content-Type \(contentType) is not application/x-protobuf")
            }
            let proto = parts.dropFirst().first { $0.hasPrefix("proto=") }.map { String($0.dropFirst("proto=".count)) }
            switch proto {
            case nil, "prometheus.writerequest": self = .v1
            case "io.prometheus.write.v2.request": self = .v2
            case let other?:
                throw RemoteWriteError(.unsupported, "proto=\(other) is not a remote-write message this receiver reads "
                                       + "(prometheus.WriteRequest, io.prometheus.write.v2.Request)")
            }
        }

        /// The Content-Type a sender of this message sets.
        public var contentType: String {
            switch self {
            case .v1: "application/x-protobuf"
            case .v2: "application/x-protobuf;proto=io.prometheus.write.v2.Request"
            }
        }

        public var description: String { self == .v1 ? "remote write 1.0" : "remote write 2.0" }
    }

    /// The headers a remote-write 2.0 request carries.
    public static let requestHeadersV2: [(name: String, value: String)] = [
        ("Content-Encoding", "snappy"),
        ("Content-Type", Message.v2.contentType),
        ("X-Prometheus-Remote-Write-Version", "2.0.0"),
    ]

    /// A decoded body of either version: the series as 1.0 carries them (labels resolved from
    /// 2.0's symbols), and what 2.0 carried that a receiver may not write.
    public struct Received: Sendable {
        /// The float series, validated like a 1.0 request.
        public var request: WriteRequest
        /// Native histogram samples (2.0), which are not decoded.
        public var histograms: Int
        /// Exemplars.
        public var exemplars: Int

        /// The float samples.
        public var samples: Int { request.timeseries.reduce(0) { $0 + $1.samples.count } }
    }

    /// Decodes a body holding `message` and checks every series (see `validate`).
    public static func decode(_ body: [UInt8], as message: Message, limits: Limits = Limits()) throws(RemoteWriteError) -> Received {
        switch message {
        case .v1:
            let request = try decode(body, limits: limits)
            return Received(request: request, histograms: 0, exemplars: request.timeseries.reduce(0) { $0 + $1.exemplars.count })
        case .v2:
            let protobuf = try uncompress(body, limits: limits)
            let request: WriteRequestV2
            do {
                request = try WriteRequestV2(serializedBytes: protobuf)
            } catch {
                throw RemoteWriteError(.badProtobuf, "protobuf: \(error)")
            }
            let received = try resolve(request)
            try validate(received.request, limits: limits)
            return received
        }
    }

    /// Encodes a 2.0 request into a request body: protobuf, then one snappy block.
    public static func encode(_ request: WriteRequestV2) throws -> [UInt8] {
        let protobuf: [UInt8] = try request.serializedBytes()
        return Snappy.compress(protobuf)
    }

    /// The 2.0 form of a 1.0 request: every string once in the symbols table (empty first).
    public static func symbolized(_ request: WriteRequest) -> WriteRequestV2 {
        var symbols = [""]
        var index = ["": UInt32(0)]
        func reference(_ text: String) -> UInt32 {
            if let known = index[text] { return known }
            let next = UInt32(symbols.count)
            symbols.append(text)
            index[text] = next
            return next
        }
        var result = WriteRequestV2()
        result.timeseries = request.timeseries.map { series in
            var converted = Io_Prometheus_Write_V2_TimeSeries()
            converted.labelsRefs = series.labels.flatMap { [reference($0.name), reference($0.value)] }
            converted.samples = series.samples.map { sample in
                var copy = Io_Prometheus_Write_V2_Sample()
                copy.value = sample.value
                copy.timestamp = sample.timestamp
                return copy
            }
            return converted
        }
        result.symbols = symbols
        return result
    }

    /// The series of a 2.0 request with their labels looked up in its symbols table.
    static func resolve(_ request: WriteRequestV2) throws(RemoteWriteError) -> Received {
        let symbols = request.symbols
        if !symbols.isEmpty, !symbols[0].isEmpty {
            throw RemoteWriteError(.badLabels, "symbols[0] must be the empty string, not \(String(reflecting: symbols[0]))")
        }
        var result = WriteRequest()
        var histograms = 0, exemplars = 0
        result.timeseries.reserveCapacity(request.timeseries.count)
        for (index, series) in request.timeseries.enumerated() {
            histograms += series.histograms.count
            exemplars += series.exemplars.count
            guard !series.samples.isEmpty else { continue }
            let refs = series.labelsRefs
            guard refs.count % 2 == 0 else {
                throw RemoteWriteError(.badLabels, "series \(index): labels_refs has an odd length (\(refs.count))")
            }
            var converted = TimeSeries()
            converted.labels.reserveCapacity(refs.count / 2)
            for pair in stride(from: 0, to: refs.count, by: 2) {
                let name = Int(refs[pair]), value = Int(refs[pair + 1])
                guard name < symbols.count, value < symbols.count else {
                    throw RemoteWriteError(.badLabels, "series \(index): label reference \(max(name, value)) is outside the "
                                           + "\(symbols.count) symbols")
                }
                guard !symbols[value].isEmpty else {
                    throw RemoteWriteError(.badLabels, "series \(index): label \(String(reflecting: symbols[name])) has an empty value")
                }
                converted.labels.append(Label(name: symbols[name], value: symbols[value]))
            }
            converted.samples = series.samples.map { Sample(value: $0.value, timestampMilliseconds: $0.timestamp) }
            result.timeseries.append(converted)
        }
        return Received(request: result, histograms: histograms, exemplars: exemplars)
    }

    /// The response headers remote write 2.0 requires of a receiver: what it wrote.
    public static func writtenHeaders(samples: Int, histograms: Int, exemplars: Int) -> [(name: String, value: String)] {
        [("X-Prometheus-Remote-Write-Samples-Written", "\(samples)"),
         ("X-Prometheus-Remote-Write-Histograms-Written", "\(histograms)"),
         ("X-Prometheus-Remote-Write-Exemplars-Written", "\(exemplars)")]
    }
}
