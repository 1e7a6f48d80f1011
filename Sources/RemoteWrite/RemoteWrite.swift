import SwiftProtobuf
import Snappy

/// The remote-write request, as generated from `Proto/remote_write.proto`.
public typealias WriteRequest = Prometheus_WriteRequest
/// One series: sorted labels (with `__name__`) and its samples.
public typealias TimeSeries = Prometheus_TimeSeries
/// One label pair.
public typealias Label = Prometheus_Label
/// One sample: a value and a timestamp in milliseconds since the epoch.
public typealias Sample = Prometheus_Sample

/// Prometheus remote write on the wire: a protobuf `WriteRequest` (1.0) or `Request` (2.0, see
/// `RemoteWriteV2.swift`) in one snappy block.
///
/// The sender (the collector's exporter) and the receiver (the dictator's event receiver) share
/// this one codec, so both ends agree on the headers, the limits and what counts as bad data.
public enum RemoteWrite {
    /// The headers every remote-write 1.0 request carries.
    public static let requestHeaders: [(name: String, value: String)] = [
        ("Content-Encoding", "snappy"),
        ("Content-Type", "application/x-protobuf"),
        ("X-Prometheus-Remote-Write-Version", "0.1.0"),
    ]

    /// The label that carries a series' metric name.
    public static let metricNameLabel = "__name__"

    /// Limits a receiver applies before and while decoding.
    public struct Limits: Sendable {
        /// Largest accepted body, compressed (a larger one is a 413).
        public var maxCompressedBytes: Int
        /// Largest accepted body once uncompressed.
        public var maxUncompressedBytes: Int
        /// Most labels of one series, its name included (Mimir refuses above 30 by default; flow
        /// series with pod and workload names of both ends need more).
        public var maxLabelsPerSeries: Int
        /// Longest label name, in bytes.
        public var maxLabelNameBytes: Int
        /// Longest label value, in bytes (Mimir's default).
        public var maxLabelValueBytes: Int

        /// Creates limits; the defaults are Prometheus' and Mimir's order of magnitude.
        public init(maxCompressedBytes: Int = 10 << 20, maxUncompressedBytes: Int = 64 << 20,
                    maxLabelsPerSeries: Int = 64, maxLabelNameBytes: Int = 1024, maxLabelValueBytes: Int = 2048) {
            self.maxCompressedBytes = maxCompressedBytes
            self.maxUncompressedBytes = maxUncompressedBytes
            self.maxLabelsPerSeries = maxLabelsPerSeries
            self.maxLabelNameBytes = maxLabelNameBytes
            self.maxLabelValueBytes = maxLabelValueBytes
        }
    }

    /// Encodes a request into a request body: protobuf, then one snappy block.
    public static func encode(_ request: WriteRequest) throws -> [UInt8] {
        let protobuf: [UInt8] = try request.serializedBytes()
        return Snappy.compress(protobuf)
    }

    /// Decodes a request body and checks every series (see `validate`).
    public static func decode(_ body: [UInt8], limits: Limits = Limits()) throws(RemoteWriteError) -> WriteRequest {
        let protobuf = try uncompress(body, limits: limits)
        let request: WriteRequest
        do {
            request = try WriteRequest(serializedBytes: protobuf)
        } catch {
            throw RemoteWriteError(.badProtobuf, "protobuf: \(error)")
        }
        try validate(request, limits: limits)
        return request
    }

    /// The protobuf bytes of a body: one snappy block, within `limits`.
    static func uncompress(_ body: [UInt8], limits: Limits) throws(RemoteWriteError) -> [UInt8] {
        guard body.count <= limits.maxCompressedBytes else {
            throw RemoteWriteError(.tooLarge, "body of \(body.count) bytes is above the limit of \(limits.maxCompressedBytes)")
        }
        do {
            return try Snappy.uncompress(body, maxLength: limits.maxUncompressedBytes)
        } catch {
            let code: RemoteWriteError.Code = error.code == .tooLarge ? .tooLarge : .badSnappy
            throw RemoteWriteError(code, "snappy: \(error.message)")
        }
    }

    /// Checks what a receiver relies on: every series has a metric name, valid label names,
    /// labels sorted by name without duplicates, and at least one sample; and stays within the
    /// label limits (a series above them makes the request a 400, as Mimir answers).
    public static func validate(_ request: WriteRequest, limits: Limits = Limits()) throws(RemoteWriteError) {
        for (index, series) in request.timeseries.enumerated() {
            var previous: String?
            var hasName = false
            guard series.labels.count <= limits.maxLabelsPerSeries else {
                throw RemoteWriteError(.badLabels, "series \(index): \(series.labels.count) labels, at most \(limits.maxLabelsPerSeries)")
            }
            for label in series.labels {
                guard label.name.utf8.count <= limits.maxLabelNameBytes else {
                    throw RemoteWriteError(.badLabels, "series \(index): a label name of \(label.name.utf8.count) bytes, at most \(limits.maxLabelNameBytes)")
                }
                guard label.value.utf8.count <= limits.maxLabelValueBytes else {
                    throw RemoteWriteError(.badLabels, "series \(index): label \(label.name)'s value is \(label.value.utf8.count) bytes, "
                                           + "at most \(limits.maxLabelValueBytes)")
                }
                guard isValidLabelName(label.name) else {
                    throw RemoteWriteError(.badLabels, "series \(index): invalid label name \(String(reflecting: label.name))")
                }
                if let previous, previous >= label.name {
                    let problem = previous == label.name ? "duplicate label" : "labels not sorted at"
                    throw RemoteWriteError(.badLabels, "series \(index): \(problem) \(String(reflecting: label.name))")
                }
                if label.name == metricNameLabel {
                    guard !label.value.isEmpty else {
                        throw RemoteWriteError(.badLabels, "series \(index): empty metric name")
                    }
                    hasName = true
                }
                previous = label.name
            }
            guard hasName else {
                throw RemoteWriteError(.badLabels, "series \(index): no \(metricNameLabel) label")
            }
        }
    }

    /// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func isValidLabelName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let letter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
            let digit = byte >= 0x30 && byte <= 0x39
            guard letter || (!first && digit) else { return false }
            first = false
        }
        return !first
    }
}

extension WriteRequest {
    /// A request carrying `timeseries`.
    public init(timeseries: [TimeSeries]) {
        self.init()
        self.timeseries = timeseries
    }
}

extension TimeSeries {
    /// A series named `name` with `labels` (sorted here, as the protocol requires) and samples.
    public init(name: String, labels: [String: String] = [:], samples: [Sample]) {
        self.init()
        var all = labels
        all[RemoteWrite.metricNameLabel] = name
        self.labels = all.sorted { $0.key < $1.key }.map { Label(name: $0.key, value: $0.value) }
        self.samples = samples
    }

    /// The value of the label `name`, if the series has it.
    public func label(_ name: String) -> String? {
        labels.first { $0.name == name }?.value
    }
}

extension Label {
    /// A label pair.
    public init(name: String, value: String) {
        self.init()
        self.name = name
        self.value = value
    }
}

extension Sample {
    /// A sample at `timestampMilliseconds` since the epoch.
    public init(value: Double, timestampMilliseconds: Int64) {
        self.init()
        self.value = value
        self.timestamp = timestampMilliseconds
    }
}
