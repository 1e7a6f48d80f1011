import AeolusModel

/// Where the agent learns which pods run on the node (and so which interfaces tc and XDP probes
/// attach to): the Kubernetes API (`KubernetesPodInventory`), a pods file or the named network
/// namespaces (`NetnsPodInventory`), or a fixed list (`StaticPodInventory`).
public protocol PodInventory: Sendable {
    /// The pods probes can attach to now. Called on every reconcile pass on the agent's kernel
    /// thread (it may block briefly); throws while the inventory does not know the node's pods
    /// yet (the agent then changes nothing).
    func pods() throws -> [Pod]

    /// Every pod of the node with what is known of it (also those not attachable: host network,
    /// not running, no namespace found yet), for `pods.json`; nil before the first listing.
    func records() -> [PodRecord]?

    /// Where the pods come from (`kubernetes`, `file`, `netns`).
    var source: String { get }

    /// Background work (a list+watch of the API); runs until cancelled. The default does nothing.
    func run() async

    /// Yields whenever the pods may have changed, so the agent reconciles at once rather than at
    /// its next interval. One consumer. The default never yields.
    func changes() -> AsyncStream<Void>
}

extension PodInventory {
    public func records() -> [PodRecord]? { (try? pods())?.map(\.record) }
    public var source: String { "static" }
    public func run() async {}
    public func changes() -> AsyncStream<Void> { AsyncStream { _ in } }
}
