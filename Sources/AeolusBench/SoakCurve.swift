import Foundation
import Synchronization

/// What both soak benchmarks record every few seconds: the memory of the process under soak and
/// the sizes of its bounded state, printed as a table and a sparkline, and judged "flat after
/// warm-up" when RSS grows less than `flatFraction` over the second half of the run.
struct SoakCurve {
    /// One sample.
    struct Point {
        /// Seconds since the run started.
        var time: Double
        /// Series sent (dictator) or points fed (collector) so far.
        var sent: Int
        /// Resident set size, MiB.
        var rss: Double
        /// State tracked now (trigger series; processor histories), and the totals evicted and
        /// expired so far.
        var tracked: Double
        var evicted: Double
        var expired: Double
    }

    /// RSS may grow at most this fraction over the second half of the run.
    static let flatFraction = 0.10

    private(set) var points: [Point] = []

    mutating func append(_ point: Point) { points.append(point) }

    /// The RSS at the middle of the run (the first sample at or after half the time).
    var midRSS: Double {
        guard let last = points.last else { return 0 }
        return points.first { $0.time >= last.time / 2 }?.rss ?? 0
    }

    /// How much RSS grew over the second half of the run: the highest sample after the middle
    /// over the sample at the middle, as a fraction.
    var secondHalfGrowth: Double {
        guard let last = points.last, midRSS > 0 else { return 0 }
        let peak = points.filter { $0.time >= last.time / 2 }.map(\.rss).max() ?? midRSS
        return peak / midRSS - 1
    }

    /// Whether RSS stayed flat after warm-up.
    var isFlat: Bool { secondHalfGrowth < Self.flatFraction }

    /// The curve: at most `rows` rows of the table (evenly spaced, the last sample always) and a
    /// sparkline of every RSS sample.
    func render(sentLabel: String, trackedLabel: String, rows: Int = 20) -> String {
        guard !points.isEmpty else { return "(no samples)" }
        let step = max(1, Int((Double(points.count) / Double(rows)).rounded(.up)))
        var chosen = stride(from: 0, to: points.count, by: step).map { points[$0] }
        if chosen.last?.time != points.last?.time { chosen.append(points.last!) }
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        let header = [pad("time s", 8), pad(sentLabel, 12), pad("RSS MiB", 9), pad(trackedLabel, 12), pad("evicted", 12),
                      pad("expired", 12)].joined(separator: " ")
        let lines = chosen.map {
            String(format: "%8.0f %12d %9.1f %12.0f %12.0f %12.0f", $0.time, $0.sent, $0.rss, $0.tracked, $0.evicted, $0.expired)
        }
        return ([header] + lines + ["RSS " + sparkline(points.map(\.rss))]).joined(separator: "\n")
    }

    /// The values as block characters between their minimum and maximum.
    private func sparkline(_ values: [Double]) -> String {
        let blocks = Array("▁▂▃▄▅▆▇█")
        guard let low = values.min(), let high = values.max() else { return "" }
        let line = values.map { value -> Character in
            high > low ? blocks[min(blocks.count - 1, Int((value - low) / (high - low) * Double(blocks.count)))] : blocks[0]
        }
        return String(line) + String(format: "  (%.0f–%.0f MiB)", low, high)
    }

    /// The verdict line: growth over the second half beside the allowed fraction.
    var verdict: String {
        String(format: "RSS at mid-run %.1f MiB, growth over the second half %.1f%% (flat: below %.0f%%): %@",
               midRSS, secondHalfGrowth * 100, Self.flatFraction * 100, isFlat ? "held" : "NOT held")
    }
}

/// A soak setting: the flag's value, else the environment variable's, else `fallback`.
func soakSetting(_ flag: Double?, _ variable: String, _ fallback: Double) -> Double {
    flag ?? ProcessInfo.processInfo.environment[variable].flatMap(Double.init) ?? fallback
}

/// Takes a sample every `every` seconds on a thread of its own until `stop()`.
final class SoakSampler: Sendable {
    private let state = Mutex((curve: SoakCurve(), running: true, joined: false))
    private let done = DispatchSemaphore(value: 0)

    init(every seconds: Double, _ sample: @escaping @Sendable () -> SoakCurve.Point) {
        Thread { self.loop(every: seconds, sample) }.start()
    }

    private func loop(every seconds: Double, _ sample: () -> SoakCurve.Point) {
        while state.withLock({ $0.running }) {
            let started = Date()
            let point = sample()
            state.withLock { $0.curve.append(point) }
            while state.withLock({ $0.running }) && Date().timeIntervalSince(started) < seconds {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        done.signal()
    }

    /// Stops sampling (waits for the thread the first time) and returns the curve.
    @discardableResult
    func stop() -> SoakCurve {
        let wait = state.withLock { state in
            defer { state.running = false; state.joined = true }
            return !state.joined
        }
        if wait { done.wait() }
        return state.withLock { $0.curve }
    }
}
