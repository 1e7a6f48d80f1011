import Foundation
import Logging
import ServiceLifecycle

/// The collector: components built from a `CollectorConfig` into a graph, started
/// downstream-first (exporters, then processors from last to first, then receivers) and stopped
/// upstream-first, so nothing is ever handed to a component that is not running.
///
/// Exporters and receivers are shared between the pipelines that list them; processors are made
/// once per pipeline. A receiver listed by several pipelines fans out to all of them.
public actor Collector {
    private struct Node {
        let name: String
        let component: any Component
    }

    /// The configuration it was built from.
    public let config: CollectorConfig
    /// The collector's own counters.
    public let telemetry: CollectorTelemetry
    private let logger: Logger
    /// In start order.
    private let nodes: [Node]
    private var started: [Node] = []
    private var telemetryEndpoint: HTTPEndpoint?
    /// Names of components in the order they were started (`exporter prometheus`, ...).
    public private(set) var startLog: [String] = []
    /// Names of components in the order they were stopped.
    public private(set) var stopLog: [String] = []

    /// Builds every component of `config` (nothing runs until `start`).
    public init(config: CollectorConfig, logger: Logger, telemetry: CollectorTelemetry = CollectorTelemetry()) throws {
        self.config = config
        self.logger = logger
        self.telemetry = telemetry
        let components = config.components
        func context(_ id: ComponentID, pipeline: ComponentID? = nil) -> ComponentContext {
            ComponentContext(id: id, pipeline: pipeline, logger: logger, telemetry: telemetry)
        }
        var nodes: [Node] = []
        var exporters: [ComponentID: any Exporter] = [:]
        for id in Set(config.pipelines.flatMap(\.exporters)).sorted() {
            let exporter = try components[.exporter]![id]!.make(context(id), nil) as! any Exporter
            exporters[id] = exporter
            nodes.append(Node(name: "exporter \(id)", component: exporter))
        }
        var entries: [ComponentID: [any Consumer]] = [:]
        for pipeline in config.pipelines {
            var next: any Consumer = FanOut(pipeline.exporters.map { exporters[$0]! })
            for id in pipeline.processors.reversed() {
                let processor = try components[.processor]![id]!.make(context(id, pipeline: pipeline.id), next) as! any Processor
                nodes.append(Node(name: "processor \(pipeline.id):\(id)", component: processor))
                next = processor
            }
            for id in pipeline.receivers { entries[id, default: []].append(next) }
        }
        for id in entries.keys.sorted() {
            let receiver = try components[.receiver]![id]!.make(context(id), FanOut(entries[id]!)) as! any Receiver
            nodes.append(Node(name: "receiver \(id)", component: receiver))
        }
        self.nodes = nodes
    }

    /// Reads `path` and builds the collector.
    public init(configPath path: String, logger: Logger, factories: ComponentFactories = .standard) throws {
        try self.init(config: CollectorConfig.load(path: path, factories: factories), logger: logger)
    }

    /// The port of the telemetry `/metrics`, once started.
    public var telemetryPort: Int? { telemetryEndpoint?.port }

    /// Starts the telemetry endpoint, then every component downstream-first. If one fails, the
    /// ones already started are stopped and the error is thrown.
    public func start() async throws {
        if let address = config.telemetryAddress {
            let telemetry = self.telemetry
            let endpoint = HTTPEndpoint(address: address, routes: ["/metrics": {
                (200, PrometheusText.contentType, PrometheusText.render(telemetry.snapshot().points, help: CollectorTelemetry.help))
            }], logger: logger)
            try await endpoint.start()
            telemetryEndpoint = endpoint
        }
        for node in nodes {
            do {
                try await node.component.start()
            } catch {
                logger.error("\(node.name) failed to start: \(error)")
                await shutdown()
                throw CollectorError.startFailed(component: node.name, message: "\(error)")
            }
            started.append(node)
            startLog.append(node.name)
        }
        logger.info("collector started", metadata: ["components": "\(startLog)"])
    }

    /// Stops every started component upstream-first (each flushes what it holds downstream),
    /// then the telemetry endpoint. Errors are logged, never thrown: shutdown always completes.
    public func shutdown() async {
        while let node = started.popLast() {
            do { try await node.component.shutdown() } catch {
                logger.warning("\(node.name) failed to shut down cleanly: \(error)")
            }
            stopLog.append(node.name)
        }
        await telemetryEndpoint?.shutdown()
        telemetryEndpoint = nil
    }

    /// Reads the config at `configPath`, starts the collector and runs until SIGTERM or SIGINT
    /// (or the task is cancelled), then shuts down: the `aeolus collector --config FILE` entry.
    public static func run(configPath: String, logger: Logger) async throws {
        let collector = try Collector(configPath: configPath, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [CollectorService(collector: collector)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The collector as a swift-service-lifecycle `Service`: starts it, waits for graceful
/// shutdown (or cancellation), then stops it.
public struct CollectorService: Service {
    /// The collector it runs.
    public let collector: Collector

    /// A service running `collector`.
    public init(collector: Collector) { self.collector = collector }

    public func run() async throws {
        try await collector.start()
        // Sleeps until graceful shutdown or cancellation ends the wait.
        try? await gracefulShutdown()
        await collector.shutdown()
    }
}
