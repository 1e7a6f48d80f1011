import Logging

/// Takes batches of points: processors, exporters and the fan-outs between them.
public protocol Consumer: Sendable {
    /// Handles one batch. Throwing tells the caller the batch was not taken (it is counted as dropped).
    func consume(_ batch: MetricBatch) async throws
}

/// Anything the collector starts and stops.
public protocol Component: Sendable {
    /// Starts the component (servers listen, timers run). Called downstream-first.
    func start() async throws
    /// Stops the component, flushing what it holds to the next one. Called upstream-first.
    func shutdown() async throws
}

/// Produces batches (reads maps, scrapes, ...) and hands them to the next consumer.
public protocol Receiver: Component {}

/// Transforms batches and passes them on.
public protocol Processor: Component, Consumer {}

/// Sends batches out of the collector.
public protocol Exporter: Component, Consumer {}

/// What every component is created with.
public struct ComponentContext: Sendable {
    /// The component's id.
    public let id: ComponentID
    /// The pipeline of a processor, nil for shared receivers and exporters.
    public let pipeline: ComponentID?
    /// Where to log, with the component id as metadata.
    public let logger: Logger
    /// The collector's own counters.
    public let telemetry: CollectorTelemetry

    /// Creates a context.
    public init(id: ComponentID, pipeline: ComponentID? = nil, logger: Logger, telemetry: CollectorTelemetry) {
        self.id = id
        self.pipeline = pipeline
        var logger = logger
        logger[metadataKey: "component"] = "\(id)"
        self.logger = logger
        self.telemetry = telemetry
    }

    /// The name telemetry uses for this component instance (`pipeline:id` for processors).
    public var telemetryName: String { pipeline.map { "\($0):\(id)" } ?? id.description }
}

/// A component id: `type` or `type/name`.
public struct ComponentID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The component type (selects the factory).
    public var type: String
    /// The instance name; empty for the plain `type` id.
    public var name: String

    /// Creates an id.
    public init(type: String, name: String = "") {
        self.type = type
        self.name = name
    }

    /// Parses `type` or `type/name`; nil when either part is malformed.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let valid: (String) -> Bool = { !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || "_-.".contains($0) } }
        guard valid(parts[0]), parts.count == 1 || valid(parts[1]) else { return nil }
        type = parts[0]
        name = parts.count == 2 ? parts[1] : ""
    }

    /// `type` or `type/name`.
    public var description: String { name.isEmpty ? type : "\(type)/\(name)" }

    /// Orders ids by their text.
    public static func < (lhs: ComponentID, rhs: ComponentID) -> Bool { lhs.description < rhs.description }
}
