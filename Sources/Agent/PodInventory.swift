/// Where the agent learns which pods run on the node (and so which interfaces tc and XDP probes
/// attach to). The embedded default is `NetnsPodInventory`; a Kubernetes inventory can join later.
public protocol PodInventory: Sendable {
    /// The pods running now. Called on every reconcile tick; must be cheap.
    func pods() throws -> [Pod]
}
