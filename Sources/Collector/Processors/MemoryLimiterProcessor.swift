import Foundation

/// The `memory_limiter` processor's configuration.
public struct MemoryLimiterConfig: ComponentConfig {
    /// Refuse batches while the resident set is above this many MiB.
    public var limitMiB = 0
    /// How often the resident set size is read.
    public var checkInterval: Duration = .seconds(1)

    public init() {}
    public static let fieldNames = ["limit_mib", "check_interval"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("limit_mib", into: &limitMiB) { $0.int(minimum: 1) }
        fields.read("check_interval", into: &checkInterval) { $0.duration() }
    }

    public func validate() -> [(field: String, message: String)] {
        limitMiB <= 0 ? [("limit_mib", "missing required field \"limit_mib\" (a positive number of MiB)")] : []
    }
}

/// Makes `memory_limiter` processors.
public struct MemoryLimiterProcessorFactory: ProcessorFactory {
    public init() {}
    public var type: String { "memory_limiter" }
    public func create(config: MemoryLimiterConfig, context: ComponentContext, next: any Consumer) throws -> any Processor {
        MemoryLimiterProcessor(config: config, context: context, next: next)
    }
}

/// Refuses (drops and counts) batches while the collector's resident memory is above the limit,
/// so a slow exporter cannot make the collector grow without bound.
///
/// `@unchecked Sendable`: the cached reading is guarded by `lock`.
public final class MemoryLimiterProcessor: Processor, @unchecked Sendable {
    private let config: MemoryLimiterConfig
    private let context: ComponentContext
    private let next: any Consumer
    private let lock = NSLock()
    private var checked = ContinuousClock.now - .seconds(3600)
    private var residentBytes = 0

    init(config: MemoryLimiterConfig, context: ComponentContext, next: any Consumer) {
        self.config = config
        self.context = context
        self.next = next
    }

    /// This process's resident set size in bytes (`/proc/self/statm`).
    public static func residentSetBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    public func consume(_ batch: MetricBatch) async throws {
        let resident = lock.withLock { () -> Int in
            if ContinuousClock.now - checked >= config.checkInterval {
                residentBytes = Self.residentSetBytes()
                checked = .now
            }
            return residentBytes
        }
        if resident > config.limitMiB << 20 {
            context.telemetry.dropped(context.telemetryName, reason: "memory_limit", batch.points.count)
            throw CollectorError.memoryLimit("resident \(resident >> 20) MiB is above limit_mib \(config.limitMiB)")
        }
        try await next.consume(batch)
    }

    public func start() async throws {}
    public func shutdown() async throws {}
}
