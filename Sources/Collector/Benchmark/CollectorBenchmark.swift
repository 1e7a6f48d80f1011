import AeolusModel
import BPFKit
import Foundation
import ProcessKit
import Logging

/// Measures the collector's hot path: map entries read, decoded and exported per second, and
/// the process' CPU time and resident memory while holding `series` series. For a `bench`
/// subcommand and the benchmark test.
public enum CollectorBenchmark {
    /// One measurement.
    public struct Result: Sendable, CustomStringConvertible {
        /// What was measured.
        public var name: String
        /// Series per round.
        public var series: Int
        /// Rounds run.
        public var rounds: Int
        /// Wall-clock seconds for all rounds.
        public var seconds: Double
        /// CPU seconds (user + system) for all rounds.
        public var cpuSeconds: Double
        /// Resident set size at the end, bytes.
        public var residentBytes: Int
        /// CPU seconds the decoding thread spent reading and decoding (without the export).
        public var decodeSeconds: Double

        /// Series read and decoded per second on the one decoding thread (one core).
        public var decodedPerSecond: Double { Double(series * rounds) / decodeSeconds }

        /// Series handled per wall-clock second.
        public var seriesPerSecond: Double { Double(series * rounds) / seconds }
        /// Series handled per CPU second (per core).
        public var seriesPerCPUSecond: Double { Double(series * rounds) / cpuSeconds }

        public var description: String {
            String(format: "%@: %d series x %d rounds: decoded %.0f series/s on one core; with export %.0f series/s wall, %.0f per CPU-second; CPU %.3f s, RSS %.1f MiB",
                   name, series, rounds, decodedPerSecond, seriesPerSecond, seriesPerCPUSecond, cpuSeconds, Double(residentBytes) / 1_048_576)
        }
    }

    /// The metric spec the benchmark decodes: a per-flow counter (two IPv4 addresses, a port),
    /// the shape of `tcp-retransmits`.
    public static let flowSpec = MetricSpec(name: "aeolus_bench_flow_packets_total", type: .counter, map: "flows", labels: [
        LabelSpec(name: "saddr", size: 4, decoders: [DecoderSpec(name: "inet_ip")]),
        LabelSpec(name: "daddr", size: 4, decoders: [DecoderSpec(name: "inet_ip")]),
        LabelSpec(name: "dport", size: 2, decoders: [DecoderSpec(name: "port")]),
        LabelSpec(name: "proto", size: 2, decoders: [DecoderSpec(name: "ip_protocol")]),
    ])

    /// The key of flow number `index` (12 bytes, as `flowSpec` describes).
    public static func flowKey(_ index: Int) -> [UInt8] {
        let host = UInt32(index)
        return [198, 18, 0, 1, 198, UInt8(18 + (host >> 16 & 1)), UInt8(host >> 8 & 255), UInt8(host & 255),
                UInt8(index % 7 + 1), 0x50, 6, 0]
    }

    /// Decodes `series` synthetic entries (per-CPU values for `cpus` CPUs) `rounds` times and
    /// hands each round to a prometheus exporter's table: the cost without the kernel.
    public static func decode(series: Int, rounds: Int, cpus: Int = 2) async throws -> Result {
        let keys = (0..<series).flatMap(flowKey)
        var filled = [UInt8](repeating: 0, count: series * 8 * cpus)
        for index in 0..<series * cpus { filled[index * 8] = UInt8(index % 200) }
        let values = filled
        let keySize = flowSpec.keySize, valueSize = 8 * cpus
        return try await measure("decode (no kernel)", series: series, rounds: rounds) { decoder in
            try keys.withUnsafeBytes { k in
                try values.withUnsafeBytes { v in
                    try decoder.decode(timestamp: MetricPoint.now(), valueSize: 8, perCPU: true) { body in
                        for index in 0..<series {
                            try body(UnsafeRawBufferPointer(rebasing: k[index * keySize..<(index + 1) * keySize]),
                                     UnsafeRawBufferPointer(rebasing: v[index * valueSize..<(index + 1) * valueSize]))
                        }
                    }
                }
            }
        }
    }

    /// Reads `map` (holding `flowSpec`-shaped keys and u64 values) `rounds` times, decoding and
    /// handing each round to a prometheus exporter's table: the cost with the kernel.
    public static func readAndDecode(map: Map, rounds: Int) async throws -> Result {
        let series = try map.forEachEntry { _, _ in }
        return try await measure("read + decode (\(map.type) map)", series: series, rounds: rounds) { decoder in
            try decoder.decode(timestamp: MetricPoint.now(), valueSize: Int(map.info.valueSize), perCPU: map.type.isPerCPU) { body in
                try map.forEachEntry(body)
            }
        }
    }

    private static func measure(_ name: String, series: Int, rounds: Int,
                                _ round: @escaping @Sendable (MetricDecoder) throws -> [MetricPoint]) async throws -> Result {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let context = ComponentContext(id: ComponentID(type: "prometheus"), logger: logger, telemetry: CollectorTelemetry())
        let exporter = PrometheusExporter(config: PrometheusExporterConfig(), context: context)
        let decoder = try MetricDecoder(spec: flowSpec, context: DecoderContext(), fixedLabels: [MetricLabel("node", "bench")])
        let box = DecoderBox(decoder)
        let cpuBefore = cpuSeconds(), start = ContinuousClock.now
        var decodeSeconds = 0.0
        for _ in 0..<rounds {
            let (points, seconds) = try await DedicatedThread.run("collector-bench") { () -> ([MetricPoint], Double) in
                let started = threadCPUSeconds()
                let points = try round(box.decoder)
                return (points, threadCPUSeconds() - started)
            }
            decodeSeconds += seconds
            try await exporter.consume(MetricBatch(points: points))
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(name: name, series: series, rounds: rounds, seconds: seconds, cpuSeconds: cpuSeconds() - cpuBefore,
                      residentBytes: MemoryLimiterProcessor.residentSetBytes(), decodeSeconds: decodeSeconds)
    }

    /// CPU seconds of the calling thread: the decode's cost on its core, whatever else the
    /// machine runs meanwhile.
    static func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// User + system CPU seconds of this process.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// Hands the decoder to the benchmark's worker thread.
///
/// `@unchecked Sendable`: used by one round at a time; rounds run one after another.
private final class DecoderBox: @unchecked Sendable {
    let decoder: MetricDecoder
    init(_ decoder: MetricDecoder) { self.decoder = decoder }
}
