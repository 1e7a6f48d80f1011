import Foundation

/// The knobs and the tally of a fault scenario (`make test-faults`): how many rounds to run
/// (`AEOLUS_FAULT_ROUNDS`; a couple under `make test`), the seed of the random moments
/// (`AEOLUS_FAULT_SEED` replays a failing run), and the "rounds survived" line.
public struct FaultRounds: Sendable {
    /// The scenario's name, for the printed lines.
    public let scenario: String
    /// How many rounds to run.
    public let count: Int
    /// The seed of the run's random moments and choices (feed it to AeolusModel's `SeededRandom`):
    /// the same seed gives the same sequence.
    public let seed: UInt64

    /// Reads the environment; `defaultCount` applies when `AEOLUS_FAULT_ROUNDS` is not set.
    public init(scenario: String, defaultCount: Int = 2) {
        let environment = ProcessInfo.processInfo.environment
        self.scenario = scenario
        count = environment["AEOLUS_FAULT_ROUNDS"].flatMap { Int($0) }.map { max(1, $0) } ?? defaultCount
        seed = environment["AEOLUS_FAULT_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        Self.say("\(scenario): \(count) round(s), seed \(seed) (replay: AEOLUS_FAULT_SEED=\(seed) AEOLUS_FAULT_ROUNDS=\(count))")
    }

    /// Prints one round's line.
    public func round(_ index: Int, _ text: String) {
        Self.say("\(scenario): round \(index + 1)/\(count): \(text)")
    }

    /// Prints the tally: `rounds survived: N/M`.
    public func survived(_ rounds: Int, _ extra: String = "") {
        Self.say("\(scenario): rounds survived: \(rounds)/\(count)" + (extra.isEmpty ? "" : " (\(extra))") + ", seed \(seed)")
    }

    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data("[fault] \(line)\n".utf8))
    }
}
