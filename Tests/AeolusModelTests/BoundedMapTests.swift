import AeolusModel
import Testing

@Suite struct BoundedMapTests {
    /// One step on a map of capacity 3 and what it holds afterwards, least recent first.
    struct Step: Sendable, CustomTestStringConvertible {
        var name: String
        var operations: [String]  // "+k=v" set, "u k" use (insert 0 when missing), "-k" remove
        var expected: [String]    // "k=v", least recent first
        var evictions: UInt64
        var testDescription: String { name }
    }

    @Test(arguments: [
        Step(name: "inserts keep their order", operations: ["+a=1", "+b=2", "+c=3"], expected: ["a=1", "b=2", "c=3"], evictions: 0),
        Step(name: "at the capacity the least recent gives way", operations: ["+a=1", "+b=2", "+c=3", "+d=4"],
             expected: ["b=2", "c=3", "d=4"], evictions: 1),
        Step(name: "a use makes a key the most recent", operations: ["+a=1", "+b=2", "+c=3", "u a", "+d=4"],
             expected: ["c=3", "a=2", "d=4"], evictions: 1),
        Step(name: "an update of an existing key evicts nothing", operations: ["+a=1", "+b=2", "+c=3", "+a=9"],
             expected: ["b=2", "c=3", "a=9"], evictions: 0),
        Step(name: "a removed slot is reused", operations: ["+a=1", "+b=2", "-a", "+c=3", "+d=4"],
             expected: ["b=2", "c=3", "d=4"], evictions: 0),
        Step(name: "removing the head and the tail", operations: ["+a=1", "+b=2", "+c=3", "-c", "-a", "+d=4"],
             expected: ["b=2", "d=4"], evictions: 0),
        Step(name: "a use inserts a missing key", operations: ["u x", "u x", "u y"], expected: ["x=1", "y=0"], evictions: 0),
        Step(name: "many evictions in a row", operations: (0..<10).map { "+k\($0)=\($0)" },
             expected: ["k7=7", "k8=8", "k9=9"], evictions: 7),
    ])
    func steps(_ step: Step) {
        var map = BoundedMap<String, Int>(capacity: 3)
        for operation in step.operations {
            let body = String(operation.dropFirst())
            switch operation.first {
            case "+":
                let parts = body.split(separator: "=")
                map.updateValue(Int(parts[1])!, forKey: String(parts[0]))
            case "-":
                map.removeValue(forKey: body)
            default:
                map.use(String(body.dropFirst()), orInsert: { -1 }) { $0 += 1 }
            }
        }
        #expect(map.leastRecentFirst.map { "\($0.key)=\($0.value)" } == step.expected)
        #expect(map.count == step.expected.count)
        #expect(map.evictions == step.evictions)
    }

    @Test func updateValueReturnsTheEvictedEntry() {
        var map = BoundedMap<Int, String>(capacity: 2)
        #expect(map.updateValue("a", forKey: 1) == nil)
        #expect(map.updateValue("b", forKey: 2) == nil)
        let evicted = map.updateValue("c", forKey: 3)
        #expect(evicted?.key == 1 && evicted?.value == "a")
        #expect(map[1] == nil && map[3] == "c")
    }

    @Test func expiryStopsAtTheFirstEntryKept() {
        var map = BoundedMap<String, Int>(capacity: 10)
        for (key, seen) in [("a", 1), ("b", 2), ("c", 9), ("d", 3)] { map.updateValue(seen, forKey: key) }
        #expect(map.removeLeastRecent { $1 < 5 } == 2)
        #expect(map.leastRecentFirst.map(\.key) == ["c", "d"])
        #expect(map.removeLeastRecent { _, _ in true } == 2)
        #expect(map.isEmpty)
        map.updateValue(1, forKey: "e")
        #expect(map.leastRecentFirst.map(\.key) == ["e"])
    }

    @Test func staysAtItsCapacityUnderChurn() {
        var map = BoundedMap<Int, Int>(capacity: 100)
        for key in 0..<100_000 { map.use(key, orInsert: { 0 }) { $0 += 1 } }
        #expect(map.count == 100)
        #expect(map.evictions == 99_900)
        #expect(map.leastRecentFirst.map(\.key) == Array(99_900..<100_000))
    }
}

@Suite struct ThresholdTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var value: Double
        var above: Double?
        var below: Double?
        var holds: Bool
        var testDescription: String { "\(value) above \(above.map { "\($0)" } ?? "-") below \(below.map { "\($0)" } ?? "-") → \(holds)" }
    }

    @Test(arguments: [
        Case(value: 6, above: 5, below: nil, holds: true),
        Case(value: 5, above: 5, below: nil, holds: false),
        Case(value: 4, above: nil, below: 5, holds: true),
        Case(value: 5, above: nil, below: 5, holds: false),
        Case(value: 50, above: 5, below: 100, holds: true),     // both: inside the band
        Case(value: 3, above: 5, below: 100, holds: false),
        Case(value: 200, above: 5, below: 100, holds: false),
        Case(value: .nan, above: 5, below: nil, holds: false),
        Case(value: .nan, above: nil, below: 5, holds: false),
        Case(value: .infinity, above: 5, below: nil, holds: true),
        Case(value: .infinity, above: 5, below: 100, holds: false),
    ])
    func holds(_ c: Case) {
        #expect(Threshold.holds(c.value, above: c.above, below: c.below) == c.holds)
        #expect(Trigger(metric: "m", above: c.above, below: c.below).crosses(c.value) == c.holds)
    }

    @Test func boundsThatCanNeverHoldAreAProblem() {
        #expect(Threshold.problem(above: 5, below: 100) == nil)
        #expect(Threshold.problem(above: 5, below: nil) == nil)
        #expect(Threshold.problem(above: 100, below: 5) != nil)
        #expect(Threshold.problem(above: 5, below: 5) != nil)
    }
}
