/// When to retry a failed export and how long to wait: exponential backoff from
/// `initialInterval`, doubling up to `maxInterval`, for at most `maxElapsed` in total.
public struct RetryPolicy: Sendable, Hashable {
    /// Whether failed requests are retried at all.
    public var enabled = true
    /// The first wait.
    public var initialInterval: Duration = .milliseconds(500)
    /// The longest wait.
    public var maxInterval: Duration = .seconds(30)
    /// Give up once this much time has passed since the first attempt.
    public var maxElapsed: Duration = .seconds(300)

    /// The default policy.
    public init() {}

    /// The wait before retry number `attempt` (0 for the first retry).
    public func delay(attempt: Int) -> Duration {
        var delay = initialInterval
        for _ in 0..<min(attempt, 62) {
            delay *= 2
            if delay >= maxInterval { return maxInterval }
        }
        return min(delay, maxInterval)
    }

    /// What to do with an HTTP status: remote write retries 5xx and 429, never other 4xx.
    public enum Outcome: Sendable, Equatable {
        case success, retry, reject
    }

    /// The outcome of `status`.
    public static func outcome(status: Int) -> Outcome {
        switch status {
        case 200..<300: return .success
        case 429, 500..<600: return .retry
        default: return .reject
        }
    }

    /// Reads `{enabled, initial_interval, max_interval, max_elapsed_time}`.
    static func read(_ node: ConfigNode) -> RetryPolicy? {
        guard let fields = node.fields(known: ["enabled", "initial_interval", "max_interval", "max_elapsed_time"]) else { return nil }
        var policy = RetryPolicy()
        fields.read("enabled", into: &policy.enabled) { $0.bool() }
        fields.read("initial_interval", into: &policy.initialInterval) { $0.duration() }
        fields.read("max_interval", into: &policy.maxInterval) { $0.duration() }
        fields.read("max_elapsed_time", into: &policy.maxElapsed) { $0.duration() }
        if policy.initialInterval <= .zero { fields.report("initial_interval", "must be positive") }
        if policy.maxInterval < policy.initialInterval { fields.report("max_interval", "must be at least initial_interval") }
        return policy
    }
}
