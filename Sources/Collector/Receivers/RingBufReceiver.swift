import AeolusModel
import BPFKit
import Foundation
import Logging

/// The `ringbuf` receiver's configuration: the same fields as the `ebpf` receiver's (where the
/// agent's state is, how often counts are handed on, the node label, which probes).
public typealias RingBufReceiverConfig = EBPFReceiverConfig

/// Makes `ringbuf` receivers.
public struct RingBufReceiverFactory: ReceiverFactory {
    public init() {}
    public var type: String { "ringbuf" }
    public func create(config: RingBufReceiverConfig, context: ComponentContext, next: any Consumer) throws -> any Receiver {
        RingBufReceiver(config: config, context: context, next: next)
    }
}

/// Event records from the live probes' ring buffers (`BPF_MAP_TYPE_RINGBUF` maps named by a
/// metric spec): each record's leading bytes are decoded by the spec's labels, exactly like a
/// hash map's key, and counted. Every interval the counts go on as counters (`<metric>` with the
/// decoded labels), so per-event data becomes metrics without polling a map.
public final class RingBufReceiver: Receiver, @unchecked Sendable {
    // @unchecked Sendable: `followers`, `counts` and `modified` are guarded by `lock`; each
    // follower task only calls `count`, which takes the lock.
    private struct Follower {
        let buffer: RingBuffer
        let task: Task<Void, Never>
    }

    private let config: RingBufReceiverConfig
    private let context: ComponentContext
    private let next: any Consumer
    private let statePath: String
    private let lock = NSLock()
    private var followers: [String: Follower] = [:]   // by "probe/metric"
    private var counts: [SeriesKey: (point: MetricPoint, count: Double)] = [:]
    private var help: [String: String] = [:]
    private var modified: timespec?
    private var timer: PeriodicTask!

    init(config: RingBufReceiverConfig, context: ComponentContext, next: any Consumer) {
        self.config = config
        self.context = context
        self.next = next
        statePath = config.stateDir + "/" + NodeProbeState.fileName
        timer = PeriodicTask(interval: config.interval) { [weak self] in await self?.tick() }
    }

    public func start() async throws {
        reloadIfChanged()
        timer.start()
    }

    public func shutdown() async throws {
        await timer.stop()
        await tick()
        let stopped = lock.withLock { () -> [Follower] in
            defer { followers = [:] }
            return Array(followers.values)
        }
        for follower in stopped {
            follower.buffer.close()
            await follower.task.value
        }
    }

    /// Hands the current counts on, then follows new or gone ring buffers.
    func tick() async {
        let (points, help) = lock.withLock { () -> ([MetricPoint], [String: String]) in
            let now = MetricPoint.now()
            return (counts.values.map { entry in
                var point = entry.point
                point.value = entry.count
                point.timestamp = now
                return point
            }, self.help)
        }
        if !points.isEmpty { await context.handOn(MetricBatch(points: points, help: help), to: next) }
        reloadIfChanged()
    }

    private func count(_ record: [UInt8], decoder: MetricDecoder) {
        guard record.count >= decoder.keySize else { return }
        let labels = record.withUnsafeBytes { decoder.labels($0) }
        let point = MetricPoint(name: decoder.spec.name, labels: labels, value: 0, kind: .counter, timestamp: 0, sorted: true)
        let key = SeriesKey(name: point.name, labels: point.labels)
        lock.withLock {
            let current = counts[key] ?? (point, 0)
            counts[key] = (current.point, current.count + 1)
        }
    }

    private func reloadIfChanged() {
        var info = stat()
        guard stat(statePath, &info) == 0 else { return }
        let unchanged = lock.withLock { () -> Bool in
            guard let modified, modified.tv_sec == info.st_mtim.tv_sec, modified.tv_nsec == info.st_mtim.tv_nsec else { return false }
            return true
        }
        if unchanged { return }
        guard let data = FileManager.default.contents(atPath: statePath), let state = try? NodeProbeState.decode(data) else {
            context.logger.warning("cannot read probe state \(statePath)")
            return
        }
        lock.withLock { modified = info.st_mtim }
        follow(state)
    }

    private func follow(_ state: NodeProbeState) {
        let node = config.node ?? ProcessInfo.processInfo.environment["NODE_NAME"] ?? state.node
        var wanted: [String: (spec: MetricSpec, path: String, context: DecoderContext)] = [:]
        for probe in state.probes where probe.state == .live && (config.probes.isEmpty || config.probes.contains(probe.id)) {
            let decoderContext = DecoderContext(attachments: probe.attachments, dropReasons: DecoderContext.kernelDropReasons() ?? [:])
            for spec in probe.metrics {
                guard let path = probe.maps[spec.map] else { continue }
                wanted["\(probe.id)/\(spec.name)"] = (spec, path, decoderContext)
            }
        }
        let current = lock.withLock { Set(followers.keys) }
        for gone in current.subtracting(wanted.keys) {
            if let follower = lock.withLock({ followers.removeValue(forKey: gone) }) { follower.buffer.close() }
        }
        for (id, entry) in wanted where !current.contains(id) {
            do {
                let map = try Map.open(pinnedAt: entry.path)
                guard map.type == .ringbuf else {
                    map.close()   // a hash or array map: the `ebpf` receiver's job
                    continue
                }
                let decoder = try MetricDecoder(spec: entry.spec, context: entry.context, fixedLabels: [MetricLabel("node", node)])
                let buffer = try RingBuffer(map: map)
                map.close()
                let task = Task { [weak self] in
                    for await record in buffer { self?.count(record, decoder: decoder) }
                }
                lock.withLock {
                    followers[id] = Follower(buffer: buffer, task: task)
                    if !entry.spec.help.isEmpty { help[entry.spec.name] = entry.spec.help }
                }
                context.logger.info("following ring buffer", metadata: ["probe": "\(id)", "map": "\(entry.spec.map)"])
            } catch {
                context.logger.warning("ring buffer \(entry.spec.map) of \(id) skipped: \(error)")
            }
        }
    }
}
