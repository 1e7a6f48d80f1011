/// A non-negative duration with nanosecond resolution, written like `5s`, `100ms`, `1m30s`, `1.5h`
/// (units ns, us, µs, ms, s, m, h, d). Used for duration parameters, windows, TTLs and cooldowns.
public struct TimeSpan: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The length in nanoseconds.
    public var nanoseconds: UInt64

    /// Creates a span of `nanoseconds`.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// A span of whole seconds.
    public static func seconds(_ s: UInt64) -> TimeSpan { TimeSpan(nanoseconds: s * 1_000_000_000) }
    /// A span of whole minutes.
    public static func minutes(_ m: UInt64) -> TimeSpan { seconds(m * 60) }
    /// A span of milliseconds.
    public static func milliseconds(_ ms: UInt64) -> TimeSpan { TimeSpan(nanoseconds: ms * 1_000_000) }

    /// The span in seconds, as a floating-point number.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// A parse failure, with a message naming the text and the expected form.
    public struct ParseError: Error, Sendable, Equatable {
        /// What was wrong.
        public var message: String
    }

    static let units: [(name: String, nanoseconds: UInt64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
        ("m", 60_000_000_000), ("h", 3_600_000_000_000), ("d", 86_400_000_000_000),
    ]

    /// Parses `5s`, `100ms`, `1m30s`, `1.5h` or `0`.
    public init(parsing text: String) throws(ParseError) {
        let fail = ParseError(message: "invalid duration \"\(text)\" (expected a number and a unit, e.g. 5s, 100ms, 1m30s; units ns, us, ms, s, m, h, d)")
        if text == "0" { self.init(nanoseconds: 0); return }
        var rest = Substring(text)
        var total: UInt64 = 0
        guard !rest.isEmpty else { throw fail }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !digits.isEmpty else { throw fail }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unitText.count)
            guard let unit = Self.units.first(where: { $0.name == unitText })?.nanoseconds else { throw fail }
            let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= 2, let whole = UInt64(parts[0].isEmpty ? "0" : parts[0]) else { throw fail }
            var (value, overflow) = whole.multipliedReportingOverflow(by: unit)
            if parts.count == 2 {
                guard !parts[1].isEmpty, parts[1].count <= 18, let fraction = UInt64(parts[1]) else { throw fail }
                var scale: UInt64 = 1
                for _ in 0..<parts[1].count { scale *= 10 }
                // fraction < scale, so fraction * unit / scale < unit: the 128-bit division cannot overflow.
                let part = scale.dividingFullWidth(fraction.multipliedFullWidth(by: unit)).quotient
                let sum = value.addingReportingOverflow(part)
                value = sum.partialValue
                overflow = overflow || sum.overflow
            }
            let sum = total.addingReportingOverflow(value)
            guard !overflow, !sum.overflow else { throw ParseError(message: "duration \"\(text)\" is too long") }
            total = sum.partialValue
        }
        self.init(nanoseconds: total)
    }

    /// The shortest exact form, e.g. `1m30s`, `100ms`, `0s`.
    public var description: String {
        if nanoseconds == 0 { return "0s" }
        var rest = nanoseconds
        var text = ""
        // Largest units first while they divide exactly into whole parts; sub-second parts in one unit.
        for (name, size) in [("h", UInt64(3_600_000_000_000)), ("m", 60_000_000_000), ("s", 1_000_000_000)] where rest >= size {
            text += "\(rest / size)\(name)"
            rest %= size
        }
        if rest > 0 {
            if rest % 1_000_000 == 0 { text += "\(rest / 1_000_000)ms" }
            else if rest % 1_000 == 0 { text += "\(rest / 1_000)us" }
            else { text += "\(rest)ns" }
        }
        return text
    }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// Encodes as its text form (`"1m30s"`).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Decodes from its text form, or from a number of nanoseconds.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let ns = try? container.decode(UInt64.self) { self.init(nanoseconds: ns); return }
        let text = try container.decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }
}
