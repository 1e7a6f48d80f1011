/// One benchmark of `aeolus-bench`: measures Aeolus beside a floor or a peer in the same run and
/// returns one result per figure. Add a type conforming to this and list it in
/// `AeolusBench.benchmarks` to plug it in.
protocol Benchmark: Sendable {
    /// A short name for `--filter` and the report (e.g. `test-run`).
    var name: String { get }
    /// Runs the measurements (needs root; may take seconds).
    func run() async throws -> [BenchmarkResult]
    /// Whether it runs only when `--filter` (or the benchmark name) selects it: a long run such
    /// as the soak is not part of a plain `aeolus-bench`.
    var onlyWhenNamed: Bool { get }
}

extension Benchmark {
    /// Part of every run.
    var onlyWhenNamed: Bool { false }
}

/// One figure: Aeolus' measurement beside the floor or peer measured in the same run.
struct BenchmarkResult: Codable, Sendable {
    /// What was measured, e.g. `test-run pod-traffic/count_ingress`.
    var name: String
    /// Aeolus' figure, in `unit`.
    var aeolus: Double
    /// The floor's or peer's figure, in `unit`.
    var peer: Double
    /// What `peer` is, e.g. `empty tc program`.
    var peerName: String
    /// The unit of both figures, e.g. `ns/packet`.
    var unit: String
    /// `aeolus / peer` (lower is better).
    var ratio: Double
    /// `aeolus - peer` when the peer is a floor (the cost Aeolus adds on top of it).
    var marginal: Double?
    /// The largest acceptable ratio, if the benchmark has a target.
    var target: Double?
    /// Anything else worth knowing (e.g. the marginal cost over the floor).
    var note: String

    /// A result whose ratio is computed from the two figures.
    init(name: String, aeolus: Double, peer: Double, peerName: String, unit: String, marginal: Double? = nil,
         target: Double? = nil, note: String = "") {
        self.name = name
        self.aeolus = aeolus
        self.peer = peer
        self.peerName = peerName
        self.unit = unit
        self.ratio = peer > 0 ? aeolus / peer : .infinity
        self.marginal = marginal
        self.target = target
        self.note = note
    }

    /// Whether the ratio meets the target (nil without a target).
    var passed: Bool? { target.map { ratio <= $0 } }
}

/// The drill-down graph both loop benchmarks serve: retransmissions of a flow → its latency probe.
/// The edge fires when a sample's value is above `above`.
func retransmitsToLatencyGraph(ttl: String, maxActive: Int, above: Double = 0) -> String {
    """
    apiVersion: aeolus.io/v1alpha1
    kind: TemplateGraph
    spec:
      edges:
        - name: retransmits-to-latency
          from: tcp-retransmits
          when: {metric: aeolus_tcp_retransmits_total, above: \(above)}
          deploy: flow-latency
          with: {saddr: "{labels.saddr}", daddr: "{labels.daddr}", sport: "{labels.sport}", dport: "{labels.dport}"}
          on: event-node
          ttl: \(ttl)
          cooldown: 0s
          maxActive: \(maxActive)

    """
}
