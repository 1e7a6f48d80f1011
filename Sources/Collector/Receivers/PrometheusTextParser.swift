/// Reads the Prometheus text exposition format (0.0.4), what a `/metrics` endpoint serves:
/// `# HELP` and `# TYPE` lines, other comments, and one sample per line
/// (`name{label="value",...} value [timestamp]`). Counters, gauges and untyped samples become
/// points of their kind (untyped as gauges); a histogram's `_bucket`, `_sum` and `_count` and a
/// summary's quantiles, `_sum` and `_count` keep their names and the family's kind.
///
/// Like Prometheus, one malformed line fails the whole page.
public struct PrometheusTextParser {
    /// What was read: the points, and the help text by family.
    public struct Page: Sendable {
        /// The samples, labels sorted.
        public var points: [MetricPoint]
        /// `# HELP` text by family name.
        public var help: [String: String]
    }

    /// A line that is not valid exposition text.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The line number (from 1).
        public let line: Int
        /// What is wrong.
        public let message: String

        public var description: String { "line \(line): \(message)" }
    }

    private var types: [String: MetricKind] = [:]
    private var help: [String: String] = [:]

    /// Parses `text`; samples without a timestamp get `defaultTimestamp` (ms since the epoch).
    public static func parse(_ text: String, defaultTimestamp: Int64) throws(ParseError) -> Page {
        var parser = PrometheusTextParser()
        var points: [MetricPoint] = []
        var number = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            do {
                if let point = try parser.line(Array(line), defaultTimestamp: defaultTimestamp) { points.append(point) }
            } catch {
                throw ParseError(line: number, message: error.message)
            }
        }
        return Page(points: points, help: parser.help)
    }

    private struct LineError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// One line: a point, or nil for comments, metadata and blank lines.
    private mutating func line(_ bytes: [UInt8], defaultTimestamp: Int64) throws(LineError) -> MetricPoint? {
        var cursor = Cursor(bytes: bytes)
        cursor.skipSpaces()
        if cursor.atEnd { return nil }
        if cursor.peek == UInt8(ascii: "#") {
            try metadata(&cursor)
            return nil
        }
        let name = cursor.name()
        guard !name.isEmpty, Self.isMetricName(name) else { throw LineError("expected a metric name, found \"\(cursor.rest)\"") }
        var labels: [MetricLabel] = []
        cursor.skipSpaces()
        if cursor.peek == UInt8(ascii: "{") {
            cursor.advance()
            labels = try Self.labels(&cursor)
        }
        cursor.skipSpaces()
        let valueText = cursor.word()
        guard let value = Self.value(valueText) else { throw LineError("expected a sample value after \(name), found \"\(valueText)\"") }
        cursor.skipSpaces()
        var timestamp = defaultTimestamp
        if !cursor.atEnd {
            let text = cursor.word()
            guard let given = Int64(text) else { throw LineError("expected a timestamp (ms) after the value, found \"\(text)\"") }
            timestamp = given
            cursor.skipSpaces()
            guard cursor.atEnd else { throw LineError("unexpected text after the timestamp: \"\(cursor.rest)\"") }
        }
        return MetricPoint(name: name, labels: labels, value: value, kind: kind(of: name), timestamp: timestamp)
    }

    /// `# HELP name text`, `# TYPE name type`, or a comment.
    private mutating func metadata(_ cursor: inout Cursor) throws(LineError) {
        cursor.advance()
        cursor.skipSpaces()
        let keyword = cursor.word()
        guard keyword == "HELP" || keyword == "TYPE" else { return }
        cursor.skipSpaces()
        let name = cursor.name()
        guard Self.isMetricName(name) else { throw LineError("# \(keyword) needs a metric name, found \"\(name)\"") }
        if keyword == "HELP" {
            if cursor.peek == UInt8(ascii: " ") || cursor.peek == UInt8(ascii: "\t") { cursor.advance() }
            help[name] = Self.unescape(cursor.rest, quotes: false)
            return
        }
        cursor.skipSpaces()
        let type = cursor.word()
        switch type {
        case "counter": types[name] = .counter
        case "gauge", "untyped": types[name] = .gauge
        case "histogram": types[name] = .histogram
        case "summary": types[name] = .summary
        default: throw LineError("unknown metric type \"\(type)\" for \(name) (expected counter, gauge, histogram, summary or untyped)")
        }
    }

    /// The kind of sample `name`: its own TYPE, or its family's for histogram and summary series.
    private func kind(of name: String) -> MetricKind {
        if let kind = types[name] { return kind }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let family = String(name.dropLast(suffix.count))
            if let kind = types[family], kind == .histogram || (kind == .summary && suffix != "_bucket") { return kind }
        }
        return .gauge
    }

    /// The labels after `{` up to `}`: `name="value"` pairs, commas between (one may trail).
    private static func labels(_ cursor: inout Cursor) throws(LineError) -> [MetricLabel] {
        var labels: [MetricLabel] = []
        while true {
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: "}") { cursor.advance(); break }
            let name = cursor.name()
            guard !name.isEmpty, isLabelName(name) else { throw LineError("expected a label name, found \"\(cursor.rest)\"") }
            cursor.skipSpaces()
            guard cursor.peek == UInt8(ascii: "=") else { throw LineError("expected = after label \(name)") }
            cursor.advance()
            cursor.skipSpaces()
            guard cursor.peek == UInt8(ascii: "\"") else { throw LineError("expected a quoted value for label \(name)") }
            cursor.advance()
            guard let raw = cursor.quoted() else { throw LineError("unterminated value for label \(name)") }
            guard !labels.contains(where: { $0.name == name }) else { throw LineError("label \(name) appears twice") }
            labels.append(MetricLabel(name, unescape(raw, quotes: true)))
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: ",") { cursor.advance(); continue }
            guard cursor.peek == UInt8(ascii: "}") else { throw LineError("expected , or } after label \(name)") }
        }
        return labels
    }

    /// A sample value: a Go float, `NaN`, `+Inf`, `-Inf` (`Inf` too).
    static func value(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "+inf", "inf": return .infinity
        case "-inf": return -.infinity
        default: return text.isEmpty ? nil : Double(text)
        }
    }

    /// Undoes `\\`, `\n` and (in label values) `\"`; other backslashes stay as they are.
    static func unescape(_ text: String, quotes: Bool) -> String {
        guard text.contains("\\") else { return text }
        var out = ""
        var escaped = false
        for character in text {
            if escaped {
                switch character {
                case "\\": out.append("\\")
                case "n": out.append("\n")
                case "\"" where quotes: out.append("\"")
                default: out.append("\\"); out.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        if escaped { out.append("\\") }
        return out
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isMetricName(_ name: String) -> Bool { isName(name, colons: true) }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isLabelName(_ name: String) -> Bool { isName(name, colons: false) }

    private static func isName(_ name: String, colons: Bool) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { Cursor.isNameByte($0) && (colons || $0 != UInt8(ascii: ":")) }
    }
}

/// A position in one line's bytes.
private struct Cursor {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        // A CRLF page: drop the CR.
        self.bytes = bytes.last == UInt8(ascii: "\r") ? Array(bytes.dropLast()) : bytes
    }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[index] }
    var rest: String { String(decoding: bytes[min(index, bytes.count)...], as: UTF8.self) }

    mutating func advance() { index += 1 }

    mutating func skipSpaces() {
        while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
    }

    /// The name characters from here.
    mutating func name() -> String {
        let start = index
        while let byte = peek, Self.isNameByte(byte) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Everything up to the next space or tab.
    mutating func word() -> String {
        let start = index
        while let byte = peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// The raw (still escaped) text up to the closing quote, which is consumed; nil when the
    /// line ends first.
    mutating func quoted() -> String? {
        let start = index
        var escaped = false
        while let byte = peek {
            index += 1
            if escaped { escaped = false; continue }
            if byte == UInt8(ascii: "\\") { escaped = true; continue }
            if byte == UInt8(ascii: "\"") { return String(decoding: bytes[start..<index - 1], as: UTF8.self) }
        }
        return nil
    }
}
