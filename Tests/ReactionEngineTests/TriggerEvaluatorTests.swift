import AeolusModel
import Testing
@testable import ReactionEngine

@Suite struct TriggerEvaluatorTests {
    static func edge(_ when: Trigger, name: String = "e") -> Edge {
        var edge = Edge(from: "a", when: when, deploy: "b")
        edge.name = name
        return edge
    }

    static func sample(_ value: Double, at time: Double, labels: [String: String] = ["flow": "1"], metric: String = "m") -> EventSample {
        EventSample(metric: metric, labels: labels, value: value, time: time)
    }

    struct MeasureCase: Sendable, CustomTestStringConvertible {
        var measure: Trigger.Measure
        var samples: [[Double]] // [time, value]
        var expected: Double?
        var testDescription: String { "\(measure) over \(samples) = \(expected.map { "\($0)" } ?? "nil")" }
    }

    @Test(arguments: [
        MeasureCase(measure: .value(window: nil), samples: [[0, 3], [1, 7]], expected: 7),
        MeasureCase(measure: .value(window: .seconds(10)), samples: [[0, 2], [5, 4], [10, 6]], expected: 4),
        MeasureCase(measure: .rate(window: .seconds(10)), samples: [[0, 0], [10, 50]], expected: 5),
        MeasureCase(measure: .rate(window: .seconds(10)), samples: [[0, 100], [5, 10], [10, 20]], expected: 2), // a reset counts from zero
        MeasureCase(measure: .rate(window: .seconds(10)), samples: [[0, 1]], expected: nil),
    ])
    func measures(_ c: MeasureCase) {
        let value = TriggerEvaluator.measure(c.measure, samples: c.samples.map { (time: $0[0], value: $0[1]) }, now: c.samples.last![0])
        #expect(value == c.expected)
    }

    @Test func firesOnceWhileHoldingAndClears() {
        var evaluator = TriggerEvaluator(edges: [Self.edge(Trigger(metric: "m", above: 5))])
        #expect(evaluator.ingest([Self.sample(1, at: 0)]).fired.isEmpty)
        let first = evaluator.ingest([Self.sample(6, at: 1)])
        #expect(first.fired.count == 1)
        #expect(first.fired.first?.value == 6)
        #expect(evaluator.ingest([Self.sample(9, at: 2)]).fired.isEmpty, "fires once per episode")
        let cleared = evaluator.ingest([Self.sample(2, at: 3)])
        #expect(cleared.cleared.count == 1)
        #expect(evaluator.ingest([Self.sample(8, at: 4)]).fired.count == 1, "fires again after clearing")
    }

    @Test func holdsForTheGivenDuration() {
        var evaluator = TriggerEvaluator(edges: [Self.edge(Trigger(metric: "m", above: 5, holdFor: .seconds(5)))])
        #expect(evaluator.ingest([Self.sample(6, at: 0)]).fired.isEmpty)
        #expect(evaluator.ingest([Self.sample(6, at: 3)]).fired.isEmpty)
        #expect(evaluator.ingest([Self.sample(6, at: 5)]).fired.count == 1)
        // A dip resets the clock.
        var other = TriggerEvaluator(edges: [Self.edge(Trigger(metric: "m", above: 5, holdFor: .seconds(5)))])
        _ = other.ingest([Self.sample(6, at: 0), Self.sample(1, at: 3), Self.sample(6, at: 4)])
        #expect(other.ingest([Self.sample(6, at: 6)]).fired.isEmpty)
        #expect(other.ingest([Self.sample(6, at: 9)]).fired.count == 1)
    }

    @Test func rateOverAWindow() {
        var evaluator = TriggerEvaluator(edges: [Self.edge(Trigger(metric: "m", measure: .rate(window: .seconds(10)), above: 0.5))])
        #expect(evaluator.ingest([Self.sample(0, at: 0), Self.sample(2, at: 10)]).fired.isEmpty, "0.2/s")
        #expect(evaluator.ingest([Self.sample(12, at: 20)]).fired.count == 1, "1/s over the last window")
    }

    @Test func seriesAreSeparateAndMatchersApply() {
        let trigger = Trigger(metric: "m", labels: [LabelMatcher(name: "dport", expression: "=~44[0-9]")], above: 5)
        var evaluator = TriggerEvaluator(edges: [Self.edge(trigger)])
        let outcome = evaluator.ingest([
            Self.sample(9, at: 0, labels: ["dport": "443"]),
            Self.sample(9, at: 0, labels: ["dport": "80"]),
            Self.sample(9, at: 0, labels: ["dport": "445"]),
            Self.sample(9, at: 0, labels: ["dport": "443"], metric: "other"),
        ])
        #expect(outcome.fired.map { $0.labels["dport"] } == ["443", "445"])
    }

    @Test func seriesLimitEvictsTheLeastRecentlySeen() {
        var evaluator = TriggerEvaluator(edges: [Self.edge(Trigger(metric: "m", above: 5))], maxSeries: 2)
        _ = evaluator.ingest((0..<5).map { Self.sample(1, at: Double($0), labels: ["flow": "\($0)"]) })
        #expect(evaluator.trackedSeries == 2)
        #expect(evaluator.evictedSeries == 3)
        #expect(evaluator.expire(now: 10_000) == 2)
        #expect(evaluator.trackedSeries == 0)
        #expect(evaluator.expiredSeries == 2)
    }

    /// #14: 120,000 distinct flow series used to fill the evaluator, after which a new flow
    /// crossing the threshold was dropped unseen. With an LRU the new flow still fires, and the
    /// tracked series stay at the bound.
    @Test func aNewSeriesFiresAfterAFloodOfDistinctSeries() {
        let bound = 1_000
        var evaluator = TriggerEvaluator(edges: [Self.edge(Trigger(metric: "m", above: 5))], maxSeries: bound)
        let flood = (0..<120_500).map { Self.sample(1, at: Double($0) / 1000, labels: ["flow": "\($0)"]) }
        for chunk in stride(from: 0, to: flood.count, by: 10_000) {
            #expect(evaluator.ingest(Array(flood[chunk..<min(chunk + 10_000, flood.count)])).fired.isEmpty)
        }
        #expect(evaluator.trackedSeries == bound)
        #expect(evaluator.evictedSeries == UInt64(flood.count - bound))
        let fired = evaluator.ingest([Self.sample(9, at: 121, labels: ["flow": "new"])]).fired
        #expect(fired.map { $0.labels["flow"] } == ["new"])
        #expect(evaluator.trackedSeries == bound)
    }

    @Test func expiryKeepsRecentSeriesAndForgetsIdleOnes() {
        var evaluator = TriggerEvaluator(edges: [Self.edge(Trigger(metric: "m", above: 5))], staleAfter: 60)
        _ = evaluator.ingest([Self.sample(9, at: 0, labels: ["flow": "old"]), Self.sample(1, at: 100, labels: ["flow": "new"])])
        #expect(evaluator.expire(now: 120) == 1)
        #expect(evaluator.trackedSeries == 1)
        // The forgotten series starts afresh: it fires again.
        #expect(evaluator.ingest([Self.sample(9, at: 130, labels: ["flow": "old"])]).fired.count == 1)
    }

    struct NonFiniteCase: Sendable, CustomTestStringConvertible {
        var value: Double
        var testDescription: String { value.isNaN ? "NaN (bits \(String(value.bitPattern, radix: 16)))" : "\(value)" }
    }

    @Test(arguments: [NonFiniteCase(value: .infinity), NonFiniteCase(value: -.infinity), NonFiniteCase(value: .nan),
                      NonFiniteCase(value: Double(bitPattern: 0x7ff0_0000_0000_0002))])
    func nonFiniteSamplesAreIgnored(_ c: NonFiniteCase) {
        var evaluator = TriggerEvaluator(edges: [Self.edge(Trigger(metric: "m", above: 5)),
                                                 Self.edge(Trigger(metric: "m", below: 5), name: "low")])
        #expect(evaluator.ingest([Self.sample(c.value, at: 0)]).fired.isEmpty)
        #expect(evaluator.trackedSeries == 0)
    }

    @Test func stateSurvivesAnUnchangedEdgeAcrossRevisions() {
        let edge = Self.edge(Trigger(metric: "m", above: 5))
        var evaluator = TriggerEvaluator(edges: [edge])
        #expect(evaluator.ingest([Self.sample(6, at: 0)]).fired.count == 1)
        evaluator.update(edges: [Self.edge(Trigger(metric: "x", above: 1), name: "new"), edge])
        #expect(evaluator.ingest([Self.sample(7, at: 1)]).fired.isEmpty, "still fired, not again")
    }
}
