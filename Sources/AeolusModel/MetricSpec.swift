/// How a collector turns one BPF map of a template into a Prometheus metric (ebpf_exporter style):
/// the map's key is split into labels, each decoded by a chain of decoders; the value is the sample.
public struct MetricSpec: Sendable, Hashable, Codable {
    /// The Prometheus metric kind.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case counter, gauge, histogram
    }

    /// The Prometheus metric name.
    public var name: String
    /// counter, gauge or histogram.
    public var type: Kind
    /// The `# HELP` text.
    public var help: String
    /// The BPF map the metric reads.
    public var map: String
    /// The key's fields, in key order.
    public var labels: [LabelSpec]
    /// Bucket layout; present exactly for histograms.
    public var buckets: HistogramBuckets?
    /// Size in bytes of the counter in the map value (4 or 8).
    public var valueSize: Int
    /// Where the counter starts in the map value, in bytes: several metrics can share one map
    /// whose value is a struct (one lookup per event instead of one per metric).
    public var valueOffset: Int
    /// Whether the map is per-CPU (the collector sums the CPUs' values).
    public var perCPU: Bool
    /// Factor applied to each value (e.g. 0.000001 for a map that counts microseconds and a
    /// metric in seconds).
    public var scale: Double

    /// Creates a metric spec.
    public init(name: String, type: Kind, help: String = "", map: String, labels: [LabelSpec] = [],
                buckets: HistogramBuckets? = nil, valueSize: Int = 8, perCPU: Bool = false, scale: Double = 1) {
        self.name = name
        self.type = type
        self.help = help
        self.map = map
        self.labels = labels
        self.buckets = buckets
        self.valueSize = valueSize
        self.valueOffset = 0
        self.perCPU = perCPU
        self.scale = scale
    }

    /// The total size of the map key: every label and the padding after it.
    public var keySize: Int { labels.reduce(0) { $0 + $1.size + $1.padding } }

    /// The labels an event of this metric carries: the key's labels (without a histogram's bucket
    /// label) plus the labels every collector adds (`implicitLabels`).
    public var eventLabels: Set<String> {
        Set(labels.map(\.name)).subtracting(buckets.map { [$0.keyLabel] } ?? []).union(Self.implicitLabels)
    }

    /// Labels the collector adds to every sample it forwards: the node, and the pod and namespace
    /// of the interface a tc/XDP probe is attached to.
    public static let implicitLabels: Set<String> = ["node", "pod", "namespace"]
}

/// One field of a map key: its size in bytes and the decoders that turn the bytes into a label value.
public struct LabelSpec: Sendable, Hashable, Codable {
    /// The label name.
    public var name: String
    /// Size in bytes of this field in the key.
    public var size: Int
    /// Decoders applied in order (e.g. `inet_ip`, `port`, `static_map`).
    public var decoders: [DecoderSpec]
    /// Bytes of padding after this field in the key (C struct alignment), skipped when decoding.
    public var padding: Int

    /// Creates a label spec.
    public init(name: String, size: Int, decoders: [DecoderSpec] = [], padding: Int = 0) {
        self.name = name
        self.size = size
        self.decoders = decoders
        self.padding = padding
    }
}

/// One decoder of a label's chain, with its arguments (e.g. `static_map`'s table).
public struct DecoderSpec: Sendable, Hashable, Codable {
    /// The decoder name.
    public var name: String
    /// Decoder arguments, by name.
    public var args: [String: String]

    /// Creates a decoder spec.
    public init(name: String, args: [String: String] = [:]) {
        self.name = name
        self.args = args
    }

    /// Decoder names the collector implements; the validator refuses any other.
    public static let standardNames: Set<String> = [
        "uint", "hex", "string", "inet_ip", "port", "ifname", "ifindex", "pod", "namespace", "static_map",
        "ip_protocol", "ethertype", "tcp_state", "drop_reason", "dns_rcode", "dns_qtype",
    ]
}

/// The bucket layout of a histogram metric. The map key's `keyLabel` field holds the bucket index
/// `i` in `min...max`; its upper bound is `2^i * multiplier` (exp2) or `i * step * multiplier` (linear).
public struct HistogramBuckets: Sendable, Hashable, Codable {
    /// How the index maps to a bound.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case exp2, linear
    }

    /// exp2 or linear.
    public var type: Kind
    /// First bucket index.
    public var min: Int
    /// Last bucket index.
    public var max: Int
    /// Factor from the bucket's raw bound to the metric's unit (e.g. 1e-9 for ns → seconds).
    public var multiplier: Double
    /// Width of a linear bucket in raw units.
    public var step: Double
    /// The label holding the bucket index; not exported as a label.
    public var keyLabel: String

    /// Creates a bucket layout.
    public init(type: Kind, min: Int, max: Int, multiplier: Double = 1, step: Double = 1, keyLabel: String = "bucket") {
        self.type = type
        self.min = min
        self.max = max
        self.multiplier = multiplier
        self.step = step
        self.keyLabel = keyLabel
    }

    /// The upper bound (`le`) of each bucket index in `min...max`.
    public var upperBounds: [Double] {
        guard min <= max else { return [] }
        return (min...max).map { i in
            switch type {
            case .exp2: return Double(sign: .plus, exponent: i, significand: 1) * multiplier
            case .linear: return Double(i) * step * multiplier
            }
        }
    }
}
