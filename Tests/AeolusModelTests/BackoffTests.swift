import AeolusModel
import Testing

/// The shared retry schedule: full jitter under a doubling, capped ceiling, reset on success,
/// deterministic under a seeded random source.
struct BackoffTests {
    @Test(arguments: [
        (0, Duration.milliseconds(100)), (1, .milliseconds(200)), (2, .milliseconds(400)), (3, .milliseconds(800)),
        (4, .milliseconds(1000)), (10, .milliseconds(1000)), (200, .milliseconds(1000)), (Int.max, .milliseconds(1000)),
    ])
    func ceilingDoublesUpToTheCap(retry: Int, ceiling: Duration) {
        let backoff = Backoff(base: .milliseconds(100), cap: .seconds(1))
        #expect(backoff.ceiling(retry: retry) == ceiling)
    }

    @Test(arguments: [UInt64(1), 2, 42, 0xDEAD_BEEF, .max])
    func everyDelayLiesBetweenZeroAndTheCeiling(seed: UInt64) {
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(5), random: SeededRandom(seed: seed))
        for retry in 0..<64 {
            let delay = backoff.next()
            let ceiling = min(Duration.seconds(5), .milliseconds(100) * (1 << min(retry, 20)))
            #expect(delay >= .zero && delay <= ceiling, "retry \(retry): \(delay) outside [0, \(ceiling)]")
            #expect(backoff.failures == retry + 1)
        }
    }

    @Test func theCapHoldsForEver() {
        var backoff = Backoff(base: .milliseconds(200), cap: .seconds(5), random: SeededRandom(seed: 7))
        let delays = (0..<10_000).map { _ in backoff.next() }
        #expect(delays.allSatisfy { $0 <= .seconds(5) })
        // Late delays use the whole capped window, not a sliver of it.
        let late = delays.suffix(1000)
        #expect(late.max()! > .seconds(4) && late.min()! < .seconds(1))
    }

    @Test func resetAfterASuccessStartsBelowTheBaseAgain() {
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(30), random: SeededRandom(seed: 3))
        for _ in 0..<12 { _ = backoff.next() }
        #expect(backoff.failures == 12)
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.next() <= .milliseconds(100))
        #expect(backoff.next() <= .milliseconds(200))
    }

    @Test func theSameSeedDrawsTheSameDelays() {
        func draws(_ seed: UInt64) -> [Duration] {
            var backoff = Backoff(base: .milliseconds(100), cap: .seconds(5), random: SeededRandom(seed: seed))
            return (0..<20).map { _ in backoff.next() }
        }
        #expect(draws(9) == draws(9))
        #expect(draws(9) != draws(10))
    }

    /// Many clients failing at one instant: their first retries spread over the whole window
    /// `[0, base]` (full jitter), not bunched at one end as "half jitter" or none would have them.
    @Test func firstRetriesOfManyClientsSpreadOverTheWindow() {
        let base = Duration.milliseconds(200)
        let firsts = (0..<1000).map { client -> Double in
            var backoff = Backoff(base: base, cap: .seconds(5), random: SeededRandom(seed: UInt64(client)))
            return backoff.next() / base
        }
        let sorted = firsts.sorted()
        let mean = firsts.reduce(0, +) / Double(firsts.count)
        print("first retry of 1000 clients, as a fraction of the 200 ms window: min \(sorted.first!), p10 \(sorted[100]), median \(sorted[500]), p90 \(sorted[900]), max \(sorted.last!), mean \(mean)")
        #expect(sorted.first! < 0.05 && sorted.last! > 0.95)
        #expect(mean > 0.4 && mean < 0.6)
        // Every tenth of the window gets some of them.
        let buckets = Set(firsts.map { Int($0 * 10) })
        #expect(buckets.count == 10)
    }

    @Test func aZeroBaseNeverWaits() {
        var backoff = Backoff(base: .zero, cap: .zero)
        #expect((0..<5).map { _ in backoff.next() } == Array(repeating: .zero, count: 5))
    }
}
