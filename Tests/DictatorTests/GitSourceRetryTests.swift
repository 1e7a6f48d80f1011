import AeolusModel
@testable import Dictator
import Testing

/// A failed fetch is tried again on the shared backoff, never later than the poll interval; a
/// fetch that succeeds goes back to polling.
struct GitSourceRetryTests {
    @Test(arguments: [Duration.seconds(30), .seconds(5), .milliseconds(500)])
    func failedFetchesBackOffUpToThePollInterval(poll: Duration) {
        var backoff = GitSource.fetchBackoff(pollInterval: poll)
        backoff = Backoff(base: backoff.base, cap: backoff.cap, random: SeededRandom(seed: 17))
        var waits: [Duration] = []
        for failure in 0..<12 {
            let wait = GitSource.wait(afterFetch: false, backoff: &backoff, pollInterval: poll)
            let ceiling = min(poll, min(.seconds(1), poll) * (1 << failure))
            #expect(wait >= .zero && wait <= ceiling, "failure \(failure): \(wait) above \(ceiling)")
            waits.append(wait)
        }
        print("poll \(poll): waits after 12 failed fetches \(waits)")
        #expect(GitSource.wait(afterFetch: true, backoff: &backoff, pollInterval: poll) == poll)
        #expect(backoff.failures == 0, "a fetch that succeeds resets the backoff")
        #expect(GitSource.wait(afterFetch: false, backoff: &backoff, pollInterval: poll) <= min(.seconds(1), poll))
    }
}
