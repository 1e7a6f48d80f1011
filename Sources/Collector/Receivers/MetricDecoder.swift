import AeolusModel

/// Turns the entries of one BPF map into points, as one `MetricSpec` describes: the key is split
/// into its label fields (in order, each `size` bytes; bytes after the last field are padding),
/// each field runs through its decoder chain, the value is an unsigned 4- or 8-byte number
/// (per-CPU maps: one per CPU, summed), times the spec's `scale`.
///
/// Histograms: the bucket label (`buckets.keyLabel`) holds the bucket index; entries that differ
/// only in it form one histogram, emitted as cumulative `_bucket{le=...}`, `_count` and `_sum`
/// (approximated from each bucket's upper bound).
///
/// Two caches keep a scrape cheap in time and memory (as Prometheus' scrape cache does): each
/// series' sorted label array is kept by the raw key bytes, so a series seen in the previous
/// scrape costs one lookup and its points share one label array (no strings are built, and the
/// exporters' tables keep referring to the same storage); decoded field values are kept by
/// their raw bytes, so a new series mostly reuses (interns) the strings of its fields.
///
/// Staleness: a key whose interface index (or network namespace inode) is not among the probe's
/// attachments is not exported (the entry outlived the pod it was attached to); a series exported
/// in the previous scrape and absent from this one gets one Prometheus staleness marker
/// (`MetricPoint.staleNaN`), so exporters end it now instead of at their expiry.
/// Not thread-safe: one decoder belongs to one reader at a time.
public final class MetricDecoder {
    private enum Slot {
        case field(Int)
        case fixed(MetricLabel)
        case podOf(Int)
        case namespaceOf(Int)
    }

    private struct WideKey: Hashable {
        let high: UInt64
        let low: UInt64
    }

    /// A map key's bytes: the first 16 inline, the rest (rare) in an array.
    private struct RawKey: Hashable {
        let head: WideKey
        let rest: [UInt8]

        init(_ bytes: UnsafeRawBufferPointer) {
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(16))) }
            head = WideKey(high: words.1, low: words.0)
            rest = bytes.count > 16 ? Array(bytes[16...]) : []
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(head.low)
            hasher.combine(head.high)
            if !rest.isEmpty { hasher.combine(rest) }
        }
    }

    /// A series' labels, the scrape that last saw it, and whether it is exported (false: its key
    /// names an interface or namespace the probe is no longer attached to).
    private struct CachedSeries {
        let labels: [MetricLabel]
        var generation: UInt32
        let exported: Bool
    }

    /// The spec it decodes.
    public let spec: MetricSpec
    /// Bytes of the key the spec describes.
    public let keySize: Int
    private let context: DecoderContext
    private let offsets: [Int]
    private let names: [String]
    private let chains: [[LabelDecoder]]
    private let bucketField: Int?
    private let bounds: [Double]
    /// Label slots in label-name order.
    private let slots: [(name: String, slot: Slot)]
    /// Key fields that name an attachment (by interface index, or by netns inode when `netns`),
    /// checked only when the probe has attachments of that kind.
    private let attachmentFields: [(index: Int, netns: Bool)]
    private var narrowCache: [[UInt64: String]]
    private var wideCache: [[WideKey: String]]
    /// Field values per field, at most this many each (cleared when full).
    private static let cacheLimit = 1 << 14
    private var seriesCache: [RawKey: CachedSeries] = [:]
    private var generation: UInt32 = 0

    /// A decoder for `spec`, adding `fixedLabels` (node, and the probe's pod and namespace) to
    /// every point unless the key has a label of the same name. When a key field is decoded by
    /// `ifname` or `ifindex`, pod and namespace come from that interface's attachment instead.
    public init(spec: MetricSpec, context: DecoderContext, fixedLabels: [MetricLabel] = []) throws {
        self.spec = spec
        keySize = spec.keySize
        self.context = context
        var offset = 0
        var offsets: [Int] = []
        for label in spec.labels {
            offsets.append(offset)
            offset += label.size + label.padding
        }
        self.offsets = offsets
        let names = spec.labels.map(\.name)
        self.names = names
        chains = try spec.labels.map { label in try label.decoders.map(LabelDecoder.init) }
        var bucket: Int?
        if spec.type == .histogram {
            guard let buckets = spec.buckets else {
                throw LabelDecoderError(decoder: "histogram", message: "metric \(spec.name) has no buckets")
            }
            guard let index = names.firstIndex(of: buckets.keyLabel) else {
                throw LabelDecoderError(decoder: "histogram", message: "metric \(spec.name) has no key label \"\(buckets.keyLabel)\" for the bucket index")
            }
            bucket = index
            bounds = buckets.upperBounds
        } else {
            bounds = []
        }
        bucketField = bucket
        var slots: [(String, Slot)] = []
        for (index, name) in names.enumerated() where index != bucket { slots.append((name, .field(index))) }
        let interfaceField = spec.labels.firstIndex { ["ifname", "ifindex"].contains($0.decoders.first?.name ?? "") }
        var fixed = fixedLabels.filter { label in !names.contains(label.name) }
        if let interfaceField {
            fixed.removeAll { $0.name == "pod" || $0.name == "namespace" }
            if !names.contains("pod") { slots.append(("pod", .podOf(interfaceField))) }
            if !names.contains("namespace") { slots.append(("namespace", .namespaceOf(interfaceField))) }
        }
        slots += fixed.map { ($0.name, .fixed($0)) }
        self.slots = slots.sorted { $0.0 < $1.0 }
        attachmentFields = spec.labels.enumerated().compactMap { index, label in
            guard index != bucket, let first = label.decoders.first,
                  ["ifname", "ifindex", "pod", "namespace"].contains(first.name) else { return nil }
            let netns = first.args["from"] == "netns"
            return (netns ? context.networkNamespaces.isEmpty : context.interfaces.isEmpty) ? nil : (index, netns)
        }
        narrowCache = Array(repeating: [:], count: names.count)
        wideCache = Array(repeating: [:], count: names.count)
    }

    /// Decodes every entry `forEach` yields (key bytes, value bytes) into points.
    /// - Parameters:
    ///   - valueSize: the map's value size (4 or 8).
    ///   - perCPU: whether values hold one slot per CPU (summed).
    public func decode(timestamp: Int64, valueSize: Int, perCPU: Bool,
                       _ forEach: ((UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Void) rethrows -> [MetricPoint] {
        var points: [MetricPoint] = []
        let kind: MetricKind = spec.type == .counter ? .counter : .gauge
        generation &+= 1
        var seen = 0
        guard let bucketField else {
            let name = spec.name, scale = spec.scale, offset = spec.valueOffset, width = spec.valueSize
            points.reserveCapacity(seriesCache.count)
            try forEach { key, value in
                guard let labels = cachedLabels(key, seen: &seen) else { return }
                let number = Self.value(value, size: valueSize, perCPU: perCPU, offset: offset, width: width)
                points.append(MetricPoint(name: name, labels: labels, value: Double(number) * scale,
                                          kind: kind, timestamp: timestamp, sorted: true))
            }
            forgetSeriesNotSeen(seen, timestamp: timestamp, markingStale: &points)
            return points
        }
        // Histograms: group by the key without its bucket field.
        let bucketOffset = offsets[bucketField], bucketSize = spec.labels[bucketField].size
        let minimum = spec.buckets!.min
        var groups: [[UInt8]: [UInt64]] = [:]
        try forEach { key, value in
            guard let index = LabelDecoder.littleEndian(UnsafeRawBufferPointer(rebasing: key[bucketOffset..<bucketOffset + bucketSize])) else { return }
            var group = [UInt8](key.prefix(spec.keySize))
            for i in bucketOffset..<bucketOffset + bucketSize { group[i] = 0 }
            var counts = groups[group] ?? Array(repeating: 0, count: bounds.count + 1)
            // Below the first bucket counts in the first; above the last only in +Inf.
            let slot = min(max(Int(index) - minimum, 0), bounds.count)
            counts[slot] &+= Self.value(value, size: valueSize, perCPU: perCPU, offset: spec.valueOffset, width: spec.valueSize)
            groups[group] = counts
        }
        for (group, counts) in groups {
            guard let base = group.withUnsafeBytes({ cachedLabels($0, seen: &seen) }) else { continue }
            var cumulative: [Double] = []
            cumulative.reserveCapacity(bounds.count + 1)
            var running: UInt64 = 0
            var sum = 0.0
            for (index, bound) in bounds.enumerated() {
                running &+= counts[index]
                sum += Double(counts[index]) * bound
                cumulative.append(Double(running))
            }
            running &+= counts[bounds.count]
            sum += Double(counts[bounds.count]) * (bounds.last ?? 0)
            cumulative.append(Double(running))
            appendHistogram(base, cumulative: cumulative, sum: sum, timestamp: timestamp, to: &points)
        }
        forgetSeriesNotSeen(seen, timestamp: timestamp, markingStale: &points)
        return points
    }

    /// The points of one histogram: a `_bucket` per bound and `+Inf` (`cumulative` holds one
    /// count more than `bounds`: the last is the total), `_count` and `_sum`.
    private func appendHistogram(_ base: [MetricLabel], cumulative: [Double], sum: Double, timestamp: Int64, to points: inout [MetricPoint]) {
        for (index, count) in cumulative.enumerated() {
            var point = MetricPoint(name: spec.name + "_bucket", labels: base, value: count, kind: .histogram, timestamp: timestamp, sorted: true)
            point.setLabel("le", index < bounds.count ? PrometheusText.format(bounds[index]) : "+Inf")
            points.append(point)
        }
        points.append(MetricPoint(name: spec.name + "_count", labels: base, value: cumulative.last ?? 0, kind: .histogram, timestamp: timestamp, sorted: true))
        points.append(MetricPoint(name: spec.name + "_sum", labels: base, value: sum, kind: .histogram, timestamp: timestamp, sorted: true))
    }

    /// The staleness markers of the series with these labels (every sample series of a histogram).
    private func appendStaleMarkers(_ labels: [MetricLabel], timestamp: Int64, to points: inout [MetricPoint]) {
        guard bucketField != nil else {
            points.append(MetricPoint(name: spec.name, labels: labels, value: MetricPoint.staleNaN,
                                      kind: spec.type == .counter ? .counter : .gauge, timestamp: timestamp, sorted: true))
            return
        }
        appendHistogram(labels, cumulative: Array(repeating: MetricPoint.staleNaN, count: bounds.count + 1),
                        sum: MetricPoint.staleNaN, timestamp: timestamp, to: &points)
    }

    /// The labels of `key` from the series cache, decoded on a miss; nil when the series is not
    /// exported (its key names an attachment the probe no longer has). Counts the series seen in
    /// this scrape.
    private func cachedLabels(_ key: UnsafeRawBufferPointer, seen: inout Int) -> [MetricLabel]? {
        let raw = RawKey(UnsafeRawBufferPointer(rebasing: key.prefix(keySize)))
        if let index = seriesCache.index(forKey: raw) {
            if seriesCache.values[index].generation != generation {
                seriesCache.values[index].generation = generation
                seen += 1
            }
            return seriesCache.values[index].exported ? seriesCache.values[index].labels : nil
        }
        let decoded = labels(key)
        let exported = isAttached(key)
        seriesCache[raw] = CachedSeries(labels: decoded, generation: generation, exported: exported)
        seen += 1
        return exported ? decoded : nil
    }

    /// Whether every key field naming an attachment names one the probe has.
    private func isAttached(_ key: UnsafeRawBufferPointer) -> Bool {
        for (index, netns) in attachmentFields {
            let bytes = UnsafeRawBufferPointer(rebasing: key[offsets[index]..<offsets[index] + spec.labels[index].size])
            guard let number = LabelDecoder.littleEndian(bytes) else { continue }
            let known = netns ? context.networkNamespaces[number] != nil : context.interfaces[Int(truncatingIfNeeded: number)] != nil
            if !known { return false }
        }
        return true
    }

    /// Series in the series cache (for tests).
    var cachedSeriesCount: Int { seriesCache.count }

    /// Drops the cached series this scrape did not see (deleted or evicted map entries), with a
    /// staleness marker for each one that was exported.
    private func forgetSeriesNotSeen(_ seen: Int, timestamp: Int64, markingStale points: inout [MetricPoint]) {
        guard seriesCache.count > seen else { return }
        let current = generation
        for series in seriesCache.values where series.generation != current && series.exported {
            appendStaleMarkers(series.labels, timestamp: timestamp, to: &points)
        }
        seriesCache = seriesCache.filter { $0.value.generation == current }
    }

    /// Staleness markers for every series the last scrape exported: what a decoder that is
    /// replaced (its probe changed or left) leaves behind; the reader drops those the new
    /// decoders export again.
    public func staleMarkersForLastScrape(timestamp: Int64) -> [MetricPoint] {
        var points: [MetricPoint] = []
        for series in seriesCache.values where series.generation == generation && series.exported {
            appendStaleMarkers(series.labels, timestamp: timestamp, to: &points)
        }
        return points
    }

    /// The sorted labels of one key (decoded now; no series cache).
    public func labels(_ key: UnsafeRawBufferPointer) -> [MetricLabel] {
        var labels: [MetricLabel] = []
        labels.reserveCapacity(slots.count)
        for (name, slot) in slots {
            switch slot {
            case let .field(index):
                labels.append(MetricLabel(name, field(index, key)))
            case let .fixed(label):
                labels.append(label)
            case let .podOf(index), let .namespaceOf(index):
                let bytes = UnsafeRawBufferPointer(rebasing: key[offsets[index]..<offsets[index] + spec.labels[index].size])
                guard let number = LabelDecoder.littleEndian(bytes), let attachment = context.interfaces[Int(number)] else { continue }
                let isPod: Bool
                if case .podOf = slot { isPod = true } else { isPod = false }
                if let value = isPod ? attachment.pod : attachment.namespace { labels.append(MetricLabel(name, value)) }
            }
        }
        return labels
    }

    /// The decoded value of key field `index`, from the cache when seen before.
    private func field(_ index: Int, _ key: UnsafeRawBufferPointer) -> String {
        let start = offsets[index], size = spec.labels[index].size
        let bytes = UnsafeRawBufferPointer(rebasing: key[start..<start + size])
        if size <= 8 {
            let raw = LabelDecoder.littleEndian(bytes)!
            if let hit = narrowCache[index][raw] { return hit }
            let text = LabelDecoder.run(chains[index], bytes: bytes, context: context)
            if narrowCache[index].count >= Self.cacheLimit { narrowCache[index].removeAll(keepingCapacity: true) }
            narrowCache[index][raw] = text
            return text
        }
        if size == 16 {
            let wide = WideKey(high: LabelDecoder.littleEndian(UnsafeRawBufferPointer(rebasing: bytes[8..<16]))!,
                               low: LabelDecoder.littleEndian(UnsafeRawBufferPointer(rebasing: bytes[0..<8]))!)
            if let hit = wideCache[index][wide] { return hit }
            let text = LabelDecoder.run(chains[index], bytes: bytes, context: context)
            if wideCache[index].count >= Self.cacheLimit { wideCache[index].removeAll(keepingCapacity: true) }
            wideCache[index][wide] = text
            return text
        }
        return LabelDecoder.run(chains[index], bytes: bytes, context: context)
    }

    /// A map value as a number: `size` (4 or 8) bytes little-endian; per-CPU values summed
    /// over their 8-byte-aligned slots.
    ///   - size: the map's value size (per CPU for per-CPU maps).
    ///   - offset, width: where the counter sits in the value and its size (default: the whole
    ///     value, up to 8 bytes).
    public static func value(_ bytes: UnsafeRawBufferPointer, size: Int, perCPU: Bool, offset: Int = 0, width: Int? = nil) -> UInt64 {
        let width = width ?? min(size, 8)
        guard perCPU else { return read(bytes, offset, width) }
        let stride = (size + 7) / 8 * 8
        var total: UInt64 = 0
        var base = 0
        while base + offset + width <= bytes.count {
            total &+= read(bytes, base + offset, width)
            base += stride
        }
        return total
    }

    private static func read(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ size: Int) -> UInt64 {
        switch size {
        case 8 where bytes.count >= offset + 8: return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        case 4 where bytes.count >= offset + 4: return UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        default: return LabelDecoder.littleEndian(UnsafeRawBufferPointer(rebasing: bytes[offset..<min(bytes.count, offset + min(size, 8))])) ?? 0
        }
    }
}
