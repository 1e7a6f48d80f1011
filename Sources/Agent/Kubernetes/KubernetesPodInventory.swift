import AeolusModel
import Foundation
import KubeKit
import Logging
import Synchronization

/// The pods of this node from the Kubernetes API: a list+watch of `v1` Pods with
/// `fieldSelector=spec.nodeName=<node>` (KubeKit's informer: resourceVersion, bookmarks, relist on
/// 410, jittered backoff), each running pod joined to its network namespace by IP and to the host
/// end of its veth (`PodNetworkLocator`).
///
/// Pods on the host network are reported and never attached to; pods that are not running or
/// whose namespace is not found yet are reported with the reason. Until the first list the
/// inventory throws, so the agent changes nothing (adopted probes stay as they are); when the API
/// becomes unreachable the last listed pods stand.
public final class KubernetesPodInventory: PodInventory {
    private let informer: Informer
    private let logger: Logger
    private let listed = Mutex<[PodRecord]?>(nil)
    private let located = Mutex<[PodRecord]?>(nil)
    /// Only touched on the agent's kernel thread (in `pods()`), one call at a time.
    private let locator: Mutex<PodNetworkLocator>
    private let changeStream: AsyncStream<Void>
    private let changeContinuation: AsyncStream<Void>.Continuation

    /// An inventory of `node`'s pods on the API server `client` talks to.
    public init(client: KubeClient, node: String, netnsDirectories: [String] = ["/run/netns", "/var/run/netns"],
                scanProc: Bool = true, logger: Logger) {
        informer = Informer(client: client, resource: .pods(), selector: KubeSelector(fields: "spec.nodeName=\(node)"), logger: logger)
        self.logger = logger
        locator = Mutex(PodNetworkLocator(directories: netnsDirectories, scanProc: scanProc, logger: logger))
        (changeStream, changeContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    public var source: String { "kubernetes" }

    public func run() async {
        await informer.run { [self] update in
            switch update {
            case let .synced(objects, _):
                let records = objects.map(PodRecord.init(pod:))
                let changed = listed.withLock { current in
                    defer { current = records }
                    return current != records
                }
                if changed { changeContinuation.yield() }
            case let .failed(error, retryIn):
                logger.warning("pods: list/watch failed, keeping the last list; retrying in \(retryIn): \(error)")
            }
        }
    }

    public func changes() -> AsyncStream<Void> { changeStream }

    public func records() -> [PodRecord]? { located.withLock { $0 } }

    public func pods() throws -> [Pod] {
        guard let records = listed.withLock({ $0 }) else {
            throw AgentError.inventoryNotReady("the node's pods have not been listed from the Kubernetes API yet")
        }
        let wanted = Set(records.filter { $0.phase == "Running" && !$0.hostNetwork }.flatMap(\.ips))
        let locations = locator.withLock { $0.locate(wanted) }
        var pods: [Pod] = []
        var result: [PodRecord] = []
        for var record in records {
            defer { result.append(record) }
            if record.hostNetwork { record.reason = "host network: reported, not attached to"; continue }
            guard record.phase == "Running" else { record.reason = "phase \(record.phase): not attached to yet"; continue }
            guard let location = record.ips.lazy.compactMap({ locations[$0] }).first else {
                record.reason = record.ips.isEmpty ? "no IP yet" : "no network namespace holds \(record.ips.joined(separator: ", ")) yet"
                continue
            }
            record.netns = location.netns
            record.interface = location.interface
            record.hostInterface = location.hostInterface
            record.hostIfindex = location.hostIndex
            pods.append(Pod(name: record.name, namespace: record.namespace, labels: record.labels, netns: location.netns,
                            interface: location.interface, hostInterface: location.hostInterface, tcOnHostVeth: true))
        }
        located.withLock { $0 = result }
        return pods
    }
}
