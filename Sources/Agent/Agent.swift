import AeolusModel
import BPFKit
import Foundation
import ServiceKit
import Logging
import Synchronization

/// The node agent (AHA): follows a desired source and a pod inventory, and keeps the node's
/// probes loaded, attached, pinned and reported.
///
/// `run()` adopts what an earlier agent left, then reconciles level-based on every desired
/// change and every `interval` tick (pods re-listed, failed attach points retried, state
/// rewritten). All kernel work happens on one serial kernel queue. Cancelling `run()` stops
/// gracefully: the probes keep running and the next agent adopts them.
public final class Agent: Sendable {
    /// The agent's settings.
    public let configuration: AgentConfiguration
    /// Its `/metrics`.
    public let metrics: AgentMetrics
    private let desired: any DesiredSource
    private let inventory: any PodInventory
    private let logger: Logger
    private let kernel = KernelQueue()
    private let applier: Applier
    private let status = Mutex(Status())
    /// The pods last listed: kept when a listing fails, so a bad read detaches nothing.
    private let lastPods = Mutex<[Pod]?>(nil)
    /// The pod records last written to `pods.json`.
    private let writtenPods = Mutex<[PodRecord]?>(nil)

    private struct Status {
        var running = false
        var appliedRevision: Int64?
        var applied: [Int64: ContinuousClock.Instant] = [:]
        var state: NodeProbeState?
        var lastReconcile: ContinuousClock.Instant?
    }

    private enum Event: Sendable {
        case desired(NodeAssignment)
        case tick
        /// The pod inventory changed.
        case pods
    }

    /// Creates an agent (nothing happens until `run()`).
    public init(configuration: AgentConfiguration, desired: any DesiredSource, inventory: any PodInventory,
                objects: any ObjectSource = FileObjectSource(), metrics: AgentMetrics = AgentMetrics(),
                logger: Logger = Logger(label: "aeolus.agent")) {
        self.configuration = configuration
        self.desired = desired
        self.inventory = inventory
        self.metrics = metrics
        self.logger = logger
        applier = Applier(paths: configuration.paths, objects: objects, metrics: metrics, logger: logger)
    }

    /// The state last written to `probes.json`, if any yet.
    public var state: NodeProbeState? { status.withLock { $0.state } }

    /// The revision of the desired set last applied.
    public var appliedRevision: Int64? { status.withLock { $0.appliedRevision } }

    /// Whether the loop runs and reconciled within the last three intervals (`/healthz`).
    public var isHealthy: Bool {
        status.withLock { status in
            guard status.running, let last = status.lastReconcile else { return false }
            return ContinuousClock.now - last < configuration.interval * 3 + .seconds(5)
        }
    }

    /// Waits until `revision` (or a newer one) has been applied; returns when it was, or nil on timeout.
    public func waitUntilApplied(revision: Int64, timeout: Duration = .seconds(10)) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let instant = status.withLock({ $0.applied.filter { $0.key >= revision }.map(\.value).min() }) { return instant }
            try? await Task.sleep(for: .microseconds(200))
        }
        return nil
    }

    /// Runs until cancelled (or the desired source ends), then releases its handles and leaves
    /// the probes running.
    public func run() async throws {
        let paths = configuration.paths
        let enableStats = configuration.enableStats
        let stats: BPFStats? = try await kernel.run { [applier, logger] in
            try BPFFileSystem.ensureMounted()
            do {
                try FileManager.default.createDirectory(atPath: paths.stateDirectory, withIntermediateDirectories: true)
            } catch {
                throw FileAccessError(purpose: "state directory", path: paths.stateDirectory, cause: error)
            }
            var stats: BPFStats?
            if enableStats {
                do { stats = try BPFStats.enable() } catch { logger.warning("cannot enable BPF run-time statistics: \(error)") }
            }
            applier.adopt()
            return stats
        }
        status.withLock { $0.running = true }
        let (events, continuation) = AsyncStream<Event>.makeStream()
        let source = desired
        let feeder = Task { [logger] in
            do {
                for try await assignment in source.assignments() { continuation.yield(.desired(assignment)) }
            } catch {
                logger.error("the desired source failed: \(error)")
            }
        }
        let inventory = self.inventory
        let inventoryTask = Task { await inventory.run() }
        let inventoryChanges = Task {
            // A pod appeared, went or changed: reconcile now, not at the next interval.
            for await _ in inventory.changes() { continuation.yield(.pods) }
        }
        let interval = configuration.interval
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                continuation.yield(.tick)
            }
        }
        continuation.yield(.tick)
        await withTaskCancellationHandler {
            var current: NodeAssignment?
            var received: Date?
            for await event in events {
                if Task.isCancelled { break }
                var trigger: String?
                if case let .desired(assignment) = event { (current, received, trigger) = (assignment, Date(), "revision") }
                if case .pods = event { trigger = "pods" }
                await reconcile(current, received: received, trigger: trigger)
            }
        } onCancel: {
            continuation.finish()
        }
        feeder.cancel()
        ticker.cancel()
        inventoryTask.cancel()
        inventoryChanges.cancel()
        status.withLock { $0.running = false }
        _ = try? await kernel.run { [applier] in
            applier.releaseAll()
            stats?.close()
        }
    }

    /// Writes `<state-dir>/pods.json` when the records changed since the last write (the
    /// collector's `k8sattributes` processor reads it). Called on the kernel thread.
    private func writePodsFile(_ records: [PodRecord]?, node: String, source: String, directory: String) {
        guard let records else { return }
        let changed = writtenPods.withLock { last in
            defer { last = records }
            return last != records
        }
        guard changed else { return }
        do {
            try NodePods(node: node, source: source, pods: records).encoded()
                .write(to: URL(fileURLWithPath: directory + "/" + NodePods.fileName), options: .atomic)
        } catch {
            metrics.countError("state")
            writtenPods.withLock { $0 = nil }
            logger.error("cannot write \(directory)/\(NodePods.fileName): \(error)")
        }
    }

    /// One level-based pass: list pods, plan, apply, write the state. A pass for a new revision
    /// (which arrived at `received`) or a change of the pods (`trigger`) logs at debug level how
    /// long each part took (queued, pods, plan, apply, state file).
    private func reconcile(_ desired: NodeAssignment?, received: Date?, trigger: String? = nil) async {
        let node = configuration.node
        let directory = configuration.stateDirectory
        let queued = ContinuousClock.now
        let result = try? await kernel.run { [self, applier, inventory, metrics, logger] () -> (NodeProbeState, ContinuousClock.Instant) in
            var laps: [(String, ContinuousClock.Instant)] = [("queued", ContinuousClock.now)]
            defer {
                if let trigger, let desired, logger.logLevel <= .debug {
                    var metadata: Logger.Metadata = ["revision": "\(desired.revision)", "trigger": "\(trigger)"]
                    var last = queued
                    for (name, instant) in laps {
                        let elapsed = instant - last
                        metadata[name + "_ms"] = "\(String(format: "%.1f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000))"
                        last = instant
                    }
                    logger.debug("apply stages", metadata: metadata)
                }
            }
            var listed: [Pod]?
            do {
                listed = try inventory.pods()
                self.lastPods.withLock { $0 = listed }
            } catch AgentError.inventoryNotReady(let reason) {
                logger.debug("waiting for the pod inventory: \(reason)")
            } catch {
                metrics.countError("inventory")
                logger.error("cannot list pods (keeping the last list): \(error)")
            }
            laps.append(("pods", .now))
            // Once per interface and process: this node's tc filters no record names go (an
            // agent killed between an attach and its record), also where nothing is wanted now.
            if let listed { applier.sweepFilters(onPods: listed) }
            // Without any list of pods yet, nothing is planned: an empty list would detach every
            // probe an earlier agent left on the pods.
            if let desired, let pods = listed ?? self.lastPods.withLock({ $0 }) {
                let plan = AgentPlan.plan(desired: desired.probes, pods: pods, actual: applier.actual)
                for step in plan.steps { logger.info("\(step)") }
                laps.append(("plan", .now))
                applier.apply(plan, received: received)
                laps.append(("apply", .now))
            }
            let applied = ContinuousClock.now
            let state = applier.state(node: node)
            do { try state.write(toDirectory: directory) } catch {
                metrics.countError("state")
                logger.error("cannot write \(directory)/\(NodeProbeState.fileName): \(error)")
            }
            laps.append(("state_file", .now))
            // After the state: the collector's enrichment can wait a millisecond, attaching should not.
            self.writePodsFile(inventory.records(), node: node, source: inventory.source, directory: directory)
            laps.append(("pods_file", .now))
            return (state, applied)
        }
        let now = result?.1 ?? ContinuousClock.now
        if let (state, _) = result {
            metrics.setProbes(live: state.probes.filter { $0.state == .live }.count,
                              failed: state.probes.filter { $0.state == .failed }.count)
        }
        status.withLock { status in
            status.state = result?.0 ?? status.state
            status.lastReconcile = now
            if let revision = desired?.revision, status.applied[revision] == nil {
                status.appliedRevision = revision
                status.applied[revision] = now
                if status.applied.count > 1000, let oldest = status.applied.keys.min() { status.applied[oldest] = nil }
            }
        }
    }
}
