import Foundation
import KubeKit
import Logging
import Synchronization

/// This node's labels from its own `v1` Node object, watched (a list+watch with
/// `fieldSelector=metadata.name=<node>`, as Cilium and Tetragon read theirs): the handler sees
/// the labels at the first list and after every change of them.
public struct KubernetesNodeLabels: Sendable {
    private let informer: Informer
    private let node: String
    private let logger: Logger

    /// Watches `node` on the API server `client` talks to.
    public init(client: KubeClient, node: String, logger: Logger) {
        informer = Informer(client: client, resource: .nodes, selector: .named(node), logger: logger)
        self.node = node
        self.logger = logger
    }

    /// Runs until cancelled, calling `handler` with the node's labels when they change (an empty
    /// set when the Node object does not exist).
    public func run(_ handler: @escaping @Sendable ([String: String]) async -> Void) async {
        let last = Mutex<[String: String]?>(nil)
        await informer.run { [node, logger] update in
            switch update {
            case let .synced(objects, _):
                var labels: [String: String] = [:]
                if let object = objects.first(where: { $0.name == node }) {
                    for (key, value) in object.json["metadata"]?["labels"]?.object ?? [:] { labels[key] = value.string ?? "" }
                } else {
                    logger.warning("node \(node): no such Node object; registering without its labels")
                }
                let changed = last.withLock { last in
                    defer { last = labels }
                    return last != labels
                }
                if changed { await handler(labels) }
            case let .failed(error, retryIn):
                logger.warning("node \(node): list/watch failed, keeping its last labels; retrying in \(retryIn): \(error)")
            }
        }
    }
}
