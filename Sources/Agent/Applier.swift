import AeolusModel
import BPFKit
import Foundation
import Logging

/// Executes an `AgentPlan` with BPFKit: loads each probe once, attaches each program at each
/// attach point, replaces make-before-break, and persists a `ProbeRecord` after every change so
/// a restarted agent can adopt what is live (`adopt()`).
///
/// One probe's failure (verifier rejection, missing hook or interface) is recorded on that probe
/// and the other steps go on.
///
/// `@unchecked Sendable`: all state is confined to the agent's kernel queue; every method is
/// called from there only (the `Agent` hops onto the queue for each call).
public final class Applier: @unchecked Sendable {
    /// The agent's folders and pin layout.
    public let paths: AgentPaths
    let objects: any ObjectSource
    let metrics: AgentMetrics
    let logger: Logger
    var probes: [String: ProbeRuntime] = [:]
    /// Interfaces already searched for filters no probe holds (see `sweepFilters`), once per process.
    var swept: Set<SweptInterface> = []

    /// Creates an applier (nothing happens in the kernel until `adopt()` or `apply`).
    public init(paths: AgentPaths, objects: any ObjectSource = FileObjectSource(), metrics: AgentMetrics = AgentMetrics(),
                logger: Logger = Logger(label: "aeolus.agent.applier")) {
        self.paths = paths
        self.objects = objects
        self.metrics = metrics
        self.logger = logger
    }

    /// What runs now, for the planner.
    public var actual: [ActualProbe] { probes.values.map(\.actual).sorted { $0.assignment.id < $1.assignment.id } }

    /// Performs `plan`'s steps in order; a failing step marks its probe and the rest go on.
    /// `received` is when the assignment behind the plan arrived (kept with new probes).
    public func apply(_ plan: AgentPlan, received: Date? = nil) {
        // A probe's record is written once per plan, after all its attaches and detaches: one
        // encoding of its attach points rather than one per step (a new pod is two tc steps).
        var changed: [String: ProbeRuntime] = [:]
        // Before the first attach on an interface: a filter an earlier agent attached but never
        // recorded would otherwise run beside the one attached now.
        sweepFilters(on: plan.steps.flatMap(\.tcInterfaces))
        defer { for runtime in changed.values where probes[runtime.assignment.id] === runtime { persist(runtime) } }
        for step in plan.steps {
            let started = ContinuousClock.now
            switch step {
            case let .install(probe, points):
                probes[probe.id] = build(probe, points: points, received: received)
                observe(since: started)
            case let .replace(probe, points):
                let old = probes[probe.id]
                probes[probe.id] = build(probe, points: points, received: received)
                if let old { tearDown(old, keepingDirectory: old.directory == probes[probe.id]!.directory) }
                observe(since: started)
            case let .attach(probe, point):
                guard let runtime = probes[probe.id] else { continue }
                attach(runtime, at: point)
                changed[probe.id] = runtime
                observe(since: started)
            case let .detach(id, point):
                guard let runtime = probes[id] else { continue }
                detach(runtime, at: point)
                changed[id] = runtime
            case let .update(probe):
                guard let runtime = probes[probe.id] else { continue }
                runtime.assignment = probe
                changed[probe.id] = runtime
            case let .remove(id):
                guard let runtime = probes.removeValue(forKey: id) else { continue }
                tearDown(runtime, keepingDirectory: false)
            }
        }
        for (id, runtime) in probes {
            runtime.problems = plan.problems[id] ?? []
            // Errors of attach points no longer wanted are moot.
            let wanted = Set(plan.steps.compactMap { step -> AttachPoint? in
                if case let .attach(probe, point) = step, probe.id == id { return point }
                return nil
            }).union(runtime.handles.keys)
            runtime.attachErrors = runtime.attachErrors.filter { wanted.contains($0.key) }
        }
    }

    private func observe(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        metrics.observeAttach(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Loads `probe` and attaches it at `points`; the runtime carries any failure.
    private func build(_ probe: ProbeAssignment, points: [AttachPoint], received: Date?) -> ProbeRuntime {
        let directory = paths.versionDirectory(forProbe: probe.id, generation: ProbeRuntime.generation(of: probe))
        let runtime = ProbeRuntime(assignment: probe, directory: directory)
        runtime.received = received
        defer { runtime.attached = Date() }
        do {
            try load(runtime)
        } catch {
            metrics.countError("load")
            runtime.loadFailure = Self.failure(from: error)
            logger.error("probe \(probe.id) failed to load: \(runtime.loadFailure!.reason)")
            try? FileManager.default.removeItem(atPath: directory)
            return runtime
        }
        for point in points { attach(runtime, at: point) }
        persist(runtime)
        return runtime
    }

    /// Loads the probe's object, with its maps pinned in (or adopted from) `<directory>/maps`.
    private func load(_ runtime: ProbeRuntime) throws {
        let probe = runtime.assignment
        if let unsupported = probe.programs.first(where: { !$0.hook.isSupported }) {
            throw BPFError.hookNotSupported("\(unsupported.hook.rawValue) (program \(unsupported.name))")
        }
        let spec = try ObjectSpec(elf: objects.object(for: probe), name: String(probe.template.prefix(15)))
        for program in probe.programs where spec.program(named: program.name) == nil {
            throw BPFError.notFound("program '\(program.name)' in the object of \(probe.id); it has \(spec.programs.map(\.name))")
        }
        let mapDirectory = runtime.directory + "/maps"
        runtime.object = try LoadedObject.load(spec, rodata: probe.load.rodata, maxEntries: probe.load.maxEntries,
                                               pinMapsUnder: mapDirectory)
        runtime.maps = Dictionary(uniqueKeysWithValues: spec.maps.filter { !$0.isInternal }.map { ($0.name, "\(mapDirectory)/\($0.name)") })
    }

    /// Attaches one program of `runtime` at `point`, recording an error on the runtime on failure.
    private func attach(_ runtime: ProbeRuntime, at point: AttachPoint) {
        do {
            if runtime.object == nil { try load(runtime) } // adopted: reload, maps come from the pins
            guard let object = runtime.object else { return }
            let program = try object.program(named: point.program)
            let programID = try program.info().id
            let handle: ProbeRuntime.Handle
            switch point.hook {
            case .tcIngress, .tcEgress:
                let tag = paths.filterTag.handle(probe: runtime.assignment.id, generation: ProbeRuntime.generation(of: runtime.assignment),
                                                 point: point)
                let link = try program.attachTC(interface: point.target, direction: point.hook == .tcIngress ? .ingress : .egress,
                                                namespace: point.netns, handle: tag)
                handle = .tc(link, programID: programID)
            case .xdp:
                handle = try pinned(program.attachXDP(interface: point.target, namespace: point.netns), runtime, point, programID)
            case .tracepoint:
                let parts = point.target.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2 else {
                    throw AgentError.unsupportedAttachment("tracepoint target '\(point.target)' is not category/name")
                }
                handle = try pinned(program.attachTracepoint(category: parts[0], name: parts[1]), runtime, point, programID)
            case .tpBTF:
                handle = try pinned(program.attachTracing(), runtime, point, programID)
            case .cgroupSkbIngress, .cgroupSkbEgress:
                handle = try pinned(program.attachCgroup(path: point.target), runtime, point, programID)
            case .kprobe:
                throw BPFError.hookNotSupported("kprobe (program \(point.program))")
            }
            runtime.handles[point] = handle
            runtime.attachErrors[point] = nil
        } catch {
            metrics.countError("attach")
            let failure = Self.failure(from: error)
            if runtime.object == nil, runtime.handles.isEmpty { runtime.loadFailure = failure }
            runtime.attachErrors[point] = failure.reason
            logger.warning("probe \(runtime.assignment.id): cannot attach \(point): \(failure.reason)")
        }
    }

    /// Pins `link` under the probe's `links/` folder (detaching it if the pin fails).
    private func pinned(_ link: Link, _ runtime: ProbeRuntime, _ point: AttachPoint, _ programID: UInt32) throws -> ProbeRuntime.Handle {
        let folder = runtime.directory + "/links"
        let path = "\(folder)/\(AgentPaths.linkName(for: point))"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try link.pin(at: path)
        } catch {
            try? link.detach()
            link.close()
            throw error
        }
        return .link(link, pin: path, programID: programID)
    }

    /// Removes one attachment of `runtime`.
    private func detach(_ runtime: ProbeRuntime, at point: AttachPoint) {
        guard let handle = runtime.handles.removeValue(forKey: point) else { return }
        Self.remove(handle, logger: logger, metrics: metrics)
    }

    static func remove(_ handle: ProbeRuntime.Handle, logger: Logger, metrics: AgentMetrics) {
        switch handle {
        case let .tc(link, _):
            do { try link.release().detach() } catch {
                metrics.countError("detach")
                logger.warning("cannot detach \(link.attachment): \(error)")
            }
        case let .link(link, _, _):
            try? link.unpin()
            // Perf-event links (tracepoints) cannot be detached explicitly: closing the last
            // reference does it.
            do { try link.detach() } catch { link.close() }
        }
    }

    /// Detaches everything of `runtime`, unloads it and removes its pins and record.
    private func tearDown(_ runtime: ProbeRuntime, keepingDirectory: Bool) {
        for point in runtime.handles.keys.sorted() { detach(runtime, at: point) }
        runtime.object?.close()
        runtime.object = nil
        if !keepingDirectory {
            Self.removeTree(runtime.directory)
            let probeDirectory = (runtime.directory as NSString).deletingLastPathComponent
            if (try? FileManager.default.contentsOfDirectory(atPath: probeDirectory))?.isEmpty ?? false {
                try? FileManager.default.removeItem(atPath: probeDirectory)
            }
        }
        if probes[runtime.assignment.id] == nil {
            try? FileManager.default.removeItem(atPath: paths.record(forProbe: runtime.assignment.id))
        }
    }

    /// Removes a bpffs folder and every pin in it.
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `runtime`'s record (only loaded probes have one: a failed load leaves nothing).
    func persist(_ runtime: ProbeRuntime) {
        let path = paths.record(forProbe: runtime.assignment.id)
        guard runtime.isLoaded else {
            try? FileManager.default.removeItem(atPath: path)
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: paths.recordDirectory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let temporary = path + ".tmp"
            try encoder.encode(runtime.record).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw AgentError.stateUnwritable(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            metrics.countError("state")
            logger.error("cannot write the record of \(runtime.assignment.id): \(error)")
        }
    }

    /// Gives up every handle without detaching anything (a graceful stop: the probes keep
    /// running and the next agent adopts them).
    public func releaseAll() {
        for runtime in probes.values {
            for handle in runtime.handles.values {
                switch handle {
                case let .tc(link, _): link.release()
                case let .link(link, _, _): link.close()
                }
            }
            runtime.handles = [:]
            runtime.object?.close()
            runtime.object = nil
        }
        probes = [:]
    }

    /// The reason and verifier log of `error`, for the probe's state.
    static func failure(from error: Error) -> ProbeRuntime.Failure {
        if case let BPFError.verifierRejected(program, log) = error {
            let excerpt = log.count > 8192 ? "…" + String(log.suffix(8192)) : log
            return .init(reason: "the verifier rejected program '\(program)'", verifierLog: excerpt)
        }
        return .init(reason: "\(error)", verifierLog: nil)
    }
}
