/// Exponential backoff with jitter between retries of a failing call: `initial`, doubled each
/// time up to `maximum`, each delay drawn from [delay/2, delay] so that many clients restarted
/// together do not retry in step. `reset()` after a success.
public struct Backoff: Sendable, Equatable {
    /// The first delay.
    public var initial: Duration
    /// The longest delay.
    public var maximum: Duration
    private var current: Duration?

    /// A backoff; the defaults (0.8 s to 30 s) are client-go's for a reflector.
    public init(initial: Duration = .milliseconds(800), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next retry.
    public mutating func next() -> Duration {
        let delay = current.map { min($0 * 2, maximum) } ?? initial
        current = delay
        return delay * Double.random(in: 0.5...1.0)
    }

    /// Forgets the failures: the next delay is `initial` again.
    public mutating func reset() {
        current = nil
    }
}
