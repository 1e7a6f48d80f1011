/// How an agent runs: which node it is, where it pins and keeps state, how often it
/// re-checks pods and refreshes its state file.
public struct AgentConfiguration: Sendable, Hashable {
    /// The node's name.
    public var node: String
    /// The bpffs mount (pins go under `<bpffs>/aeolus/<node>/`).
    public var bpffs: String
    /// The state directory (probe records and `probes.json`).
    public var stateDirectory: String
    /// How often pods are re-listed, failed attach points retried and the state rewritten.
    public var interval: Duration
    /// Whether to turn on the kernel's BPF run-time statistics while the agent runs.
    public var enableStats: Bool

    /// Creates a configuration.
    public init(node: String, bpffs: String = "/sys/fs/bpf", stateDirectory: String = "/var/lib/aeolus/agent",
                interval: Duration = .seconds(1), enableStats: Bool = true) {
        self.node = node
        self.bpffs = bpffs
        self.stateDirectory = stateDirectory
        self.interval = interval
        self.enableStats = enableStats
    }

    /// The folders and pin layout these settings give.
    public var paths: AgentPaths { AgentPaths(node: node, bpffs: bpffs, stateDirectory: stateDirectory) }
}
