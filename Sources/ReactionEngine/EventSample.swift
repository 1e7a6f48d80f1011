/// One sample of an event series as the dictator receives it (from a remote-write request):
/// the metric name, the labels without `__name__`, the value and its time.
public struct EventSample: Sendable, Hashable {
    /// The metric name.
    public var metric: String
    /// The labels, without `__name__`.
    public var labels: [String: String]
    /// The sample's value.
    public var value: Double
    /// Seconds since the epoch.
    public var time: Double

    /// Creates a sample.
    public init(metric: String, labels: [String: String], value: Double, time: Double) {
        self.metric = metric
        self.labels = labels
        self.value = value
        self.time = time
    }
}
