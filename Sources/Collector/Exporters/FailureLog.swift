/// When an exporter that cannot deliver says so: at its first failure, then at most once per
/// `interval` (with how many failures went unreported and how many points were dropped since the
/// last line), and once when delivery works again. Neither a line per attempt nor silence.
struct FailureLog: Sendable {
    /// What to log, if anything.
    enum Line: Equatable, Sendable {
        /// Nothing: within `interval` of the last line.
        case none
        /// A failure line; `unreported` failures came before it since the last line, `dropped`
        /// points were dropped since the last line (this failure's included).
        case failing(unreported: Int, dropped: Int)
        /// Delivery works again after `failures` failures.
        case recovered(failures: Int)
    }

    /// The least time between two failure lines.
    let interval: Duration
    private var lastLine: ContinuousClock.Instant?
    private var unreported = 0
    private var dropped = 0
    private var failures = 0

    /// A log that reports at most once per `interval`.
    init(interval: Duration) {
        self.interval = interval
    }

    /// A delivery attempt failed at `now`, dropping `dropped` points (0 when it will be retried).
    mutating func failed(at now: ContinuousClock.Instant, dropped points: Int = 0) -> Line {
        failures += 1
        dropped += points
        if let lastLine, now - lastLine < interval {
            unreported += 1
            return .none
        }
        defer { unreported = 0; dropped = 0; lastLine = now }
        return .failing(unreported: unreported, dropped: dropped)
    }

    /// A delivery succeeded.
    mutating func succeeded() -> Line {
        guard failures > 0 else { return .none }
        defer { failures = 0; unreported = 0; dropped = 0; lastLine = nil }
        return .recovered(failures: failures)
    }
}
