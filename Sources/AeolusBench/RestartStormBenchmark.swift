import AeolusModel
import AeolusTesting
import Foundation
import ProcessKit
import ServiceKit

/// A fault round for the fleet (`make test-faults`; only when named): the dictator SIGKILLed and
/// restarted under N simulated agents (1,000; `AEOLUS_FAULT_AGENTS` picks another N). Every agent
/// loses its watch at the same instant and retries on the agents' shared full-jitter backoff, so
/// they must come back spread over the backoff window, not in one instant.
///
/// Prints when the agents registered again (milliseconds after the kill: min, p10, p50, p90,
/// max), a histogram in 250 ms slots, and the busiest 100 ms slot's share of the fleet (the
/// figure: below half the fleet, where "in one instant" would be all of it).
struct RestartStormBenchmark: Benchmark {
    let name = "restart-storm"
    let repository: String?
    var onlyWhenNamed: Bool { true }

    static var count: Int { ProcessInfo.processInfo.environment["AEOLUS_FAULT_AGENTS"].flatMap { Int($0) } ?? 1000 }

    func run() async throws -> [BenchmarkResult] {
        let example = try TestRunBenchmark.repositoryDirectory(repository)
        guard FileManager.default.isExecutableFile(atPath: AeolusBinary.path) else {
            throw BenchError("the restart-storm benchmark runs \(AeolusBinary.path); build it first")
        }
        OpenFileLimit.raiseToHardLimit()
        let count = Self.count
        return try await onThread { try Self.measure(count: count, example: example) }
    }

    static func measure(count: Int, example: String) throws -> [BenchmarkResult] {
        let session = try FanoutBenchmark.Session(example: example, prefix: "aeolus-bench-restart")
        defer { session.stop() }
        let fleet = SimulatedFleet(count: count, host: "127.0.0.1", port: session.dictator.port, token: FanoutBenchmark.Session.token)
        defer { fleet.stop() }
        fleet.start()
        try FanoutBenchmark.waitUntil(timeout: 120, "\(count) watches open") { fleet.observations.withLock { $0.watching } == count }

        let killed = fleet.now()
        try session.killAndRestart()
        try session.waitReady()
        let ready = fleet.now() - killed
        try FanoutBenchmark.waitUntil(timeout: 120, "\(count) agents registered again") {
            fleet.observations.withLock { $0.lastRegistered.values.filter { $0 > killed }.count } == count
        }
        try FanoutBenchmark.waitUntil(timeout: 120, "\(count) watches open again") { fleet.observations.withLock { $0.watching } == count }
        let back = fleet.observations.withLock { $0.lastRegistered.values.map { ($0 - killed) * 1000 } }.sorted()
        let failures = fleet.observations.withLock { "register \($0.registerFailures), watch \($0.watchFailures)" }

        var slots100: [Int: Int] = [:], slots250: [Int: Int] = [:]
        for ms in back {
            slots100[Int(ms / 100), default: 0] += 1
            slots250[Int(ms / 250), default: 0] += 1
        }
        let busiest = slots100.max { $0.value < $1.value }!
        let share = Double(busiest.value) / Double(count)
        let histogram = slots250.keys.sorted().map { "\($0 * 250)–\($0 * 250 + 250) ms: \(slots250[$0]!)" }.joined(separator: ", ")
        print(String(format: "[fault] dictator restart under %d agents: ready %.0f ms after the kill; back (ms after the kill) min %.0f, p10 %.0f, p50 %.0f, p90 %.0f, max %.0f; busiest 100 ms slot (%d–%d ms) %d agents (%.0f%%); failures seen: %@",
                     count, ready * 1000, back.first ?? 0, percentile(back, 0.1), percentile(back, 0.5), percentile(back, 0.9), back.last ?? 0,
                     busiest.key * 100, busiest.key * 100 + 100, busiest.value, share * 100, failures))
        print("[fault] reconnects per 250 ms: \(histogram)")
        let spread = share < 0.5
        print("[fault] dictator restart under \(count) agents: rounds survived: \(spread ? 1 : 0)/1 (all \(count) back, "
              + (spread ? "spread over the backoff window" : "too many in one instant") + ")")
        return [BenchmarkResult(name: "restart-storm: busiest 100 ms slot of \(count) reconnects", aeolus: share * 100, peer: 100,
                                peerName: "all in one instant", unit: "% of agents", target: 0.5,
                                note: String(format: "p10–p90 %.0f–%.0f ms after the kill; ready after %.0f ms", percentile(back, 0.1),
                                             percentile(back, 0.9), ready * 1000))]
    }
}
