import AeolusModel
@testable import Collector
import Foundation
import Logging

/// A consumer that keeps every batch it is given (the end of a pipeline under test).
final class Sink: Consumer, @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [MetricBatch] = []

    func consume(_ batch: MetricBatch) async throws { lock.withLock { batches.append(batch) } }

    var points: [MetricPoint] { lock.withLock { batches.flatMap(\.points) } }
    var batchCount: Int { lock.withLock { batches.count } }
}

func testLogger(_ label: String = "collector-test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

func testContext(_ id: String = "test") -> ComponentContext {
    ComponentContext(id: ComponentID(parsing: id)!, logger: testLogger(), telemetry: CollectorTelemetry())
}

func point(_ name: String, _ labels: [String: String] = [:], _ value: Double, kind: MetricKind = .counter, at timestamp: Int64 = 1000) -> MetricPoint {
    MetricPoint(name: name, labels: labels.map { MetricLabel($0.key, $0.value) }, value: value, kind: kind, timestamp: timestamp)
}

extension Array where Element == MetricPoint {
    /// `name{a="b",...} value` lines, sorted, for compact expectations.
    var lines: [String] {
        map { p in "\(p.name){\(p.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ","))} \(PrometheusText.format(p.value))" }.sorted()
    }
}
