import Foundation
import ProcessKit

/// Makes `k8sattributes` processors.
public struct K8sAttributesProcessorFactory: ProcessorFactory {
    public init() {}
    public var type: String { "k8sattributes" }
    public func create(config: K8sAttributesProcessorConfig, context: ComponentContext, next: any Consumer) throws -> any Processor {
        K8sAttributesProcessor(config: config, context: context, next: next)
    }
}

/// Adds Kubernetes attributes (workload, owner, pod labels, ...) to points from the node agent's
/// pod inventory (`pods.json`), as the OpenTelemetry Collector's `k8sattributes` processor does
/// from the API server: a point finds its pod by its own labels (`pod_association`), and flow
/// points name the pods at both ends from their address labels (`flow_association`).
///
/// Staleness markers are enriched like samples (a pod that left the file still counts for
/// `pod_delete_grace_period`), so they end the series their samples made.
public final class K8sAttributesProcessor: Processor {
    private let config: K8sAttributesProcessorConfig
    private let inventory: PodInventory
    private let next: any Consumer

    init(config: K8sAttributesProcessorConfig, context: ComponentContext, next: any Consumer) {
        self.config = config
        inventory = PodInventory(config: config, logger: context.logger)
        self.next = next
    }

    /// The file's pods now (read again when it changed; off the cooperative pool).
    func snapshot() async throws -> PodInventory.Snapshot {
        let inventory = self.inventory
        return try await DedicatedThread.run("collector-k8s") { inventory.refresh() }
    }

    /// `batch` with the attributes of `pods` added.
    func apply(_ batch: MetricBatch, pods: PodInventory.Snapshot) -> MetricBatch {
        var out = batch
        for index in out.points.indices { enrich(&out.points[index], pods) }
        return out
    }

    private func enrich(_ point: inout MetricPoint, _ pods: PodInventory.Snapshot) {
        for association in config.podAssociation {
            let labels: [MetricLabel]?
            switch association {
            case let .labels(pod, namespace):
                guard let name = point.label(pod), let space = point.label(namespace) else { continue }
                labels = (pods.current.pod(namespace: space, name: name) ?? pods.departed.pod(namespace: space, name: name))?.attributes
            case let .ip(label):
                guard let ip = point.label(label) else { continue }
                labels = (pods.current.pod(ip: ip) ?? pods.departed.pod(ip: ip))?.identified
            case let .uid(label):
                guard let uid = point.label(label) else { continue }
                labels = (pods.current.pod(uid: uid) ?? pods.departed.pod(uid: uid))?.identified
            case let .hostInterface(label):
                guard let interface = point.label(label) else { continue }
                labels = (pods.current.pod(hostInterface: interface) ?? pods.departed.pod(hostInterface: interface))?.identified
            }
            if let labels {
                point.setLabels(sorted: labels)
                break
            }
        }
        for (index, flow) in config.flowAssociation.enumerated() {
            guard let ip = point.label(flow.ipLabel), let pod = pods.current.pod(ip: ip) ?? pods.departed.pod(ip: ip) else { continue }
            point.setLabels(sorted: pod.flows[index])
        }
    }

    public func consume(_ batch: MetricBatch) async throws {
        try await next.consume(apply(batch, pods: snapshot()))
    }

    public func start() async throws {}
    public func shutdown() async throws {}
}
