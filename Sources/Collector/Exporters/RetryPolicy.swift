import AeolusModel
import Foundation

/// When to retry a failed export and how long to wait: the shared `Backoff` (full jitter from
/// `initialInterval`, doubling up to `maxInterval`), for at most `maxElapsed` in total. On top of
/// it, for HTTP: a 429 or 503 carrying `Retry-After` waits what the server asks instead, capped
/// by `maxInterval`.
public struct RetryPolicy: Sendable, Hashable {
    /// Whether failed requests are retried at all.
    public var enabled = true
    /// The ceiling of the first wait.
    public var initialInterval: Duration = .milliseconds(500)
    /// The longest wait.
    public var maxInterval: Duration = .seconds(30)
    /// Give up once this much time has passed since the first attempt.
    public var maxElapsed: Duration = .seconds(300)

    /// The default policy.
    public init() {}

    /// The schedule of one request's retries, drawing from `random`.
    public func backoff(random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) -> Backoff {
        Backoff(base: initialInterval, cap: maxInterval, random: random)
    }

    /// The wait before the next retry after an answer with `status` and `Retry-After` header
    /// `retryAfter`: the server's wait (for 429 and 503, capped by `maxInterval`), else the
    /// backoff's next delay. The backoff counts the failure either way.
    public func delay(after backoff: inout Backoff, status: Int?, retryAfter: String?, now: Date = Date()) -> Duration {
        let scheduled = backoff.next()
        guard let status, status == 429 || status == 503, let retryAfter,
              let asked = Self.retryAfter(retryAfter, now: now) else { return scheduled }
        return min(asked, maxInterval)
    }

    /// The wait a `Retry-After` value asks for: delay-seconds (`120`) or an HTTP-date
    /// (`Wed, 21 Oct 2015 07:28:00 GMT`, zero when past); nil when it is neither.
    public static func retryAfter(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            return .seconds(Int64(text) ?? Int64.max / 1_000_000_000_000)
        }
        for format in httpDateFormats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                let seconds = max(0, date.timeIntervalSince(now))
                return .milliseconds(Int64(seconds * 1000))
            }
        }
        return nil
    }

    /// IMF-fixdate, then the obsolete RFC 850 and asctime forms (RFC 9110 section 5.6.7).
    private static let httpDateFormats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]

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
