/// The one retry schedule of every Aeolus component: capped exponential backoff with full jitter
/// (the AWS Architecture Blog's "Exponential Backoff and Jitter"). The delay before retry `n`
/// (0 for the first retry after a success) is drawn uniformly from `[0, min(cap, base·2ⁿ)]`, so
/// clients that failed at the same instant (agents losing a restarted dictator) come back spread
/// over the window instead of in one wave. `reset()` after a success.
///
/// A value: each retry loop owns its own. Tests inject a `SeededRandom` to make the draws
/// deterministic.
public struct Backoff: Sendable {
    /// The ceiling of the first delay.
    public var base: Duration
    /// The longest delay.
    public var cap: Duration
    /// Failures since the last `reset()`: the exponent of the next ceiling.
    public private(set) var failures = 0
    private var random: any RandomNumberGenerator & Sendable

    /// A schedule from `base` doubling to `cap`, drawing from `random`.
    public init(base: Duration, cap: Duration, random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        self.base = max(base, .zero)
        self.cap = max(cap, self.base)
        self.random = random
    }

    /// The longest delay before retry `retry` (0 for the first): `min(cap, base·2^retry)`.
    public func ceiling(retry: Int) -> Duration {
        var ceiling = base
        for _ in 0..<max(0, retry) {
            if ceiling >= cap || ceiling == .zero { break }
            ceiling *= 2
        }
        return min(ceiling, cap)
    }

    /// The delay before the next retry (one more failure counted).
    public mutating func next() -> Duration {
        let ceiling = ceiling(retry: failures)
        failures += 1
        // 53 random bits: a uniform fraction in [0, 1).
        let fraction = Double(random.next() >> 11) * 0x1p-53
        return ceiling * fraction
    }

    /// Forgets the failures (after a success): the next delay is drawn below `base` again.
    public mutating func reset() {
        failures = 0
    }
}

/// A seeded random number generator (SplitMix64) for deterministic draws in tests.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
