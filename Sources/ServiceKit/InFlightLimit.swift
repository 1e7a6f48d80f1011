import Foundation

/// At most `limit` of something at once, without waiting: `enter()` says no at the limit, so the
/// caller answers at once (a 503) instead of queueing work an attacker can multiply.
///
/// `@unchecked Sendable`: `count` is guarded by `lock`.
public final class InFlightLimit: @unchecked Sendable {
    /// The most admitted at once.
    public let limit: Int
    private let lock = NSLock()
    private var count = 0

    /// A limit of `limit` (at least 1).
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Admits one more unless `limit` are in; a `true` must be paired with `leave()`.
    public func enter() -> Bool {
        lock.withLock {
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    /// Ends one admitted by `enter()`.
    public func leave() {
        lock.withLock { count = max(0, count - 1) }
    }

    /// Runs `body` if admitted; nil when `limit` are already in.
    public func ifAdmitted<T>(_ body: () async throws -> T) async rethrows -> T? {
        guard enter() else { return nil }
        defer { leave() }
        return try await body()
    }

    /// How many are in now.
    public var current: Int { lock.withLock { count } }
}
