/// A fixed list of pods: for embedding the agent where pods are known up front (benchmarks).
public struct StaticPodInventory: PodInventory {
    /// The pods.
    public var list: [Pod]

    /// Creates an inventory of `pods`.
    public init(_ pods: [Pod]) { list = pods }

    public func pods() throws -> [Pod] { list }
}
