import Foundation

/// The `batch` processor's configuration.
public struct BatchProcessorConfig: ComponentConfig {
    /// Points that trigger a send.
    public var sendBatchSize = 8192
    /// Largest batch handed on (0: no limit); bigger ones are split.
    public var sendBatchMaxSize = 0
    /// How long points wait at most.
    public var timeout: Duration = .milliseconds(200)

    public init() {}
    public static let fieldNames = ["send_batch_size", "send_batch_max_size", "timeout"]

    public mutating func decode(_ fields: ConfigFields) {
        fields.read("send_batch_size", into: &sendBatchSize) { $0.int(minimum: 1) }
        fields.read("send_batch_max_size", into: &sendBatchMaxSize) { $0.int(minimum: 0) }
        fields.read("timeout", into: &timeout) { $0.duration() }
    }

    public func validate() -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if sendBatchMaxSize > 0 && sendBatchMaxSize < sendBatchSize {
            problems.append(("send_batch_max_size", "must be 0 or at least send_batch_size (\(sendBatchSize))"))
        }
        if timeout <= .zero { problems.append(("timeout", "must be positive")) }
        return problems
    }
}

/// Makes `batch` processors.
public struct BatchProcessorFactory: ProcessorFactory {
    public init() {}
    public var type: String { "batch" }
    public func create(config: BatchProcessorConfig, context: ComponentContext, next: any Consumer) throws -> any Processor {
        BatchProcessor(config: config, next: next)
    }
}

/// Gathers points into batches of `send_batch_size`, or whatever arrived within `timeout`;
/// flushes what it holds on shutdown.
///
/// `@unchecked Sendable`: `pending` is guarded by `lock`.
public final class BatchProcessor: Processor, @unchecked Sendable {
    private let config: BatchProcessorConfig
    private let next: any Consumer
    private let lock = NSLock()
    private var pending = MetricBatch()
    private var timer: PeriodicTask!

    /// A batch processor handing batches to `next`.
    public init(config: BatchProcessorConfig, next: any Consumer) {
        self.config = config
        self.next = next
        timer = PeriodicTask(interval: config.timeout) { [weak self] in try? await self?.flush() }
    }

    public func consume(_ batch: MetricBatch) async throws {
        let full = lock.withLock { () -> MetricBatch? in
            pending.append(batch)
            return pending.points.count >= config.sendBatchSize ? take() : nil
        }
        if let full { try await send(full) }
    }

    /// Hands on everything pending now.
    public func flush() async throws {
        let batch = lock.withLock { take() }
        if !batch.isEmpty { try await send(batch) }
    }

    private func take() -> MetricBatch {
        defer { pending = MetricBatch() }
        return pending
    }

    private func send(_ batch: MetricBatch) async throws {
        let limit = config.sendBatchMaxSize
        guard limit > 0, batch.points.count > limit else { return try await next.consume(batch) }
        for start in stride(from: 0, to: batch.points.count, by: limit) {
            let slice = Array(batch.points[start..<min(start + limit, batch.points.count)])
            try await next.consume(MetricBatch(points: slice, help: batch.help))
        }
    }

    public func start() async throws { timer.start(initialDelay: config.timeout) }

    public func shutdown() async throws {
        await timer.stop()
        try await flush()
    }
}
