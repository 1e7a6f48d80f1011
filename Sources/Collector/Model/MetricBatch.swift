/// What components hand each other: points, and the help text of their metric families.
public struct MetricBatch: Sendable {
    /// The samples.
    public var points: [MetricPoint]
    /// `# HELP` text by metric family name (may be empty).
    public var help: [String: String]

    /// A batch.
    public init(points: [MetricPoint] = [], help: [String: String] = [:]) {
        self.points = points
        self.help = help
    }

    /// Whether the batch holds no points.
    public var isEmpty: Bool { points.isEmpty }

    /// Appends another batch's points and help.
    public mutating func append(_ other: MetricBatch) {
        points.append(contentsOf: other.points)
        help.merge(other.help) { current, _ in current }
    }
}
