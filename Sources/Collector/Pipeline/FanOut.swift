/// Hands every batch to several consumers in turn (a receiver shared by pipelines, a pipeline
/// with several exporters). Every consumer gets the batch even when an earlier one throws; the
/// first error is rethrown.
public struct FanOut: Consumer {
    /// The consumers, in order.
    public let consumers: [any Consumer]

    /// A fan-out to `consumers`.
    public init(_ consumers: [any Consumer]) { self.consumers = consumers }

    public func consume(_ batch: MetricBatch) async throws {
        if consumers.count == 1 { return try await consumers[0].consume(batch) }
        var failure: (any Error)?
        for consumer in consumers {
            do { try await consumer.consume(batch) } catch { if failure == nil { failure = error } }
        }
        if let failure { throw failure }
    }
}
