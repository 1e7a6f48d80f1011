import AeolusModel
import BPFKit
import Foundation
import ProcessKit
import Logging

/// The configuration of the receivers that read the agent's probes (`ebpf` and `ringbuf`).
public struct EBPFReceiverConfig: ComponentConfig {
    /// The agent's state directory, holding `probes.json`.
    public var stateDir = "/run/aeolus"
    /// How often the maps are read.
    public var interval: Duration = .seconds(10)
    /// The node label; defaults to `$NODE_NAME`, else the state file's node, else the host name.
    public var node: String?
    /// Read only these probe ids (all when empty).
    public var probes: [String] = []

    public init() {}
    public static let fieldNames = ["state_dir", "interval", "node", "probes"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("state_dir", into: &stateDir) { $0.string() }
        fields.read("interval", into: &interval) { $0.duration() }
        fields.read("node", into: &node) { $0.string() }
        fields.read("probes", into: &probes) { $0.strings() }
    }

    public func validate() -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if stateDir.isEmpty { problems.append(("state_dir", "must not be empty")) }
        if interval < .milliseconds(10) { problems.append(("interval", "must be at least 10ms")) }
        return problems
    }
}

/// Makes `ebpf` receivers.
public struct EBPFReceiverFactory: ReceiverFactory {
    public init() {}
    public var type: String { "ebpf" }
    public func create(config: EBPFReceiverConfig, context: ComponentContext, next: any Consumer) throws -> any Receiver {
        EBPFReceiver(config: config, context: context, next: next)
    }
}

/// Reads the maps of the live probes listed in the agent's `probes.json` every interval, decodes
/// them by each probe's metric specs, and hands the points on.
public final class EBPFReceiver: Receiver {
    private let reader: ProbeMapReader
    private let context: ComponentContext
    private let next: any Consumer
    private let interval: Duration
    private let timer: PeriodicTask

    init(config: EBPFReceiverConfig, context: ComponentContext, next: any Consumer) {
        let node = config.node ?? ProcessInfo.processInfo.environment["NODE_NAME"]
        reader = ProbeMapReader(stateDirectory: config.stateDir, node: node, probeFilter: Set(config.probes), logger: context.logger)
        self.context = context
        self.next = next
        interval = config.interval
        let reader = self.reader
        timer = PeriodicTask(interval: config.interval) {
            await Self.scrape(reader: reader, context: context, next: next)
        }
    }

    /// Reads every map once and hands the batch on (the timer's tick; tests call it directly).
    static func scrape(reader: ProbeMapReader, context: ComponentContext, next: any Consumer) async {
        do {
            let (batch, entries) = try await DedicatedThread.run("collector-ebpf") { try reader.read() }
            context.telemetry.mapEntriesRead(context.telemetryName, entries)
            await context.handOn(batch, to: next)
        } catch {
            context.logger.warning("reading probe maps failed: \(error)")
        }
    }

    public func start() async throws { timer.start() }

    public func shutdown() async throws {
        await timer.stop()
        reader.close()
    }
}

/// Reads `probes.json` (again only when its modification time changes), keeps the pinned maps
/// open (by pin path; closing those no longer listed) and decodes them.
///
/// When the probes change (or the file goes), the replaced decoders' series that the next read
/// does not export again get one staleness marker in that read: a probe removed, or an
/// attachment gone from it, ends its series at once.
///
/// `@unchecked Sendable`: all state is guarded by `lock`; reads run one at a time.
public final class ProbeMapReader: @unchecked Sendable {
    private struct Source {
        let probe: String
        let map: Map
        let decoder: MetricDecoder
    }

    /// The state file's path.
    public let statePath: String
    private let node: String?
    private let probeFilter: Set<String>
    private let logger: Logger
    private let lock = NSLock()
    private var modified: timespec?
    private var maps: [String: Map] = [:]
    private var sources: [Source] = []
    /// Decoders replaced since the last read, whose series end unless exported again.
    private var retired: [MetricDecoder] = []
    private var help: [String: String] = [:]
    private var warned: Set<String> = []
    /// The live probes as last applied, without what changes on every agent pass (run-time
    /// statistics): the state file is rewritten each pass, the probes rarely change.
    private var applied: [ProbeState]?

    /// A reader of the state in `stateDirectory`.
    public init(stateDirectory: String, node: String?, probeFilter: Set<String> = [], logger: Logger) {
        statePath = stateDirectory + "/" + NodeProbeState.fileName
        self.node = node
        self.probeFilter = probeFilter
        self.logger = logger
    }

    /// Closes every open map.
    public func close() {
        lock.withLock {
            dropAllSources()
            retired = []
        }
    }

    /// Reads every live probe's maps: the points and the number of map entries read.
    public func read() throws -> (MetricBatch, Int) {
        try lock.withLock {
            try reloadIfChanged()
            let now = MetricPoint.now()
            var batch = MetricBatch(help: help)
            var entries = 0
            for source in sources {
                do {
                    let points = try source.decoder.decode(timestamp: now, valueSize: Int(source.map.info.valueSize),
                                                           perCPU: source.map.type.isPerCPU) { body in
                        entries += try source.map.forEachEntry(body)
                    }
                    batch.points.append(contentsOf: points)
                } catch {
                    warnOnce("\(source.probe)/\(source.decoder.spec.name)", "reading map \(source.map.name) of probe \(source.probe) failed: \(error)")
                }
            }
            endRetiredSeries(in: &batch, timestamp: now)
            return (batch, entries)
        }
    }

    /// Appends a staleness marker for every series of the retired decoders that `batch` does
    /// not hold (once per probe change: one set of the batch's series).
    private func endRetiredSeries(in batch: inout MetricBatch, timestamp: Int64) {
        guard !retired.isEmpty else { return }
        defer { retired = [] }
        let markers = retired.flatMap { $0.staleMarkersForLastScrape(timestamp: timestamp) }
        guard !markers.isEmpty else { return }
        let current = Set(batch.points.lazy.filter { !$0.isStale }.map(\.series))
        batch.points += markers.filter { !current.contains($0.series) }
    }

    /// Closes the maps and retires the decoders of every source.
    private func dropAllSources() {
        for map in maps.values { map.close() }
        retired += sources.map(\.decoder)
        maps = [:]
        sources = []
        modified = nil
        applied = nil
    }

    private func warnOnce(_ key: String, _ message: String) {
        if warned.insert(key).inserted { logger.warning("\(message)") }
    }

    private func reloadIfChanged() throws {
        var info = stat()
        guard stat(statePath, &info) == 0 else {
            if modified != nil || sources.isEmpty == false {
                logger.info("no probe state at \(statePath); reading no maps")
            }
            dropAllSources()
            return
        }
        if let modified, modified.tv_sec == info.st_mtim.tv_sec, modified.tv_nsec == info.st_mtim.tv_nsec { return }
        let data = try Data(contentsOf: URL(fileURLWithPath: statePath))
        let state: NodeProbeState
        do { state = try NodeProbeState.decode(data) } catch {
            throw CollectorError.badProbeState(path: statePath, message: "\(error)")
        }
        modified = info.st_mtim
        let live = state.probes.filter { $0.state == .live }.map(\.withoutStats)
        guard live != applied else { return }
        applied = live
        warned = []
        apply(state)
    }

    private func apply(_ state: NodeProbeState) {
        let dropReasons = DecoderContext.kernelDropReasons() ?? [:]
        let node = self.node ?? state.node
        var open: [String: Map] = [:]
        var sources: [Source] = []
        var help: [String: String] = [:]
        for probe in state.probes where probe.state == .live && (probeFilter.isEmpty || probeFilter.contains(probe.id)) {
            let context = DecoderContext(attachments: probe.attachments, dropReasons: dropReasons)
            var fixed = [MetricLabel("node", node)]
            let pods = Set(probe.attachments.compactMap { attachment in attachment.pod.map { ($0, attachment.namespace ?? "") } }.map { "\($0.0)\u{0}\($0.1)" })
            if pods.count == 1, let only = probe.attachments.first(where: { $0.pod != nil }) {
                fixed.append(MetricLabel("pod", only.pod!))
                if let namespace = only.namespace { fixed.append(MetricLabel("namespace", namespace)) }
            }
            for spec in probe.metrics {
                guard let path = probe.maps[spec.map] else {
                    warnOnce("\(probe.id)/\(spec.name)", "probe \(probe.id): metric \(spec.name) reads map \(spec.map), which the probe does not list")
                    continue
                }
                do {
                    let map = try open[path] ?? maps[path] ?? Map.open(pinnedAt: path)
                    open[path] = map
                    guard Int(map.info.keySize) >= spec.keySize else {
                        throw LabelDecoderError(decoder: spec.name, message: "map \(spec.map) has \(map.info.keySize)-byte keys, the labels need \(spec.keySize)")
                    }
                    let decoder = try MetricDecoder(spec: spec, context: context, fixedLabels: fixed)
                    sources.append(Source(probe: probe.id, map: map, decoder: decoder))
                    if !spec.help.isEmpty { help[spec.name] = spec.help }
                } catch {
                    warnOnce("\(probe.id)/\(spec.name)", "probe \(probe.id): metric \(spec.name) skipped: \(error)")
                }
            }
        }
        for (path, map) in maps where open[path] == nil { map.close() }
        maps = open
        retired += self.sources.map(\.decoder)
        self.sources = sources
        self.help = help
        logger.info("probe state loaded", metadata: ["probes": "\(state.probes.count)", "metrics": "\(sources.count)", "maps": "\(open.count)"])
    }
}
