@testable import Collector
import Testing

@Suite("Prometheus text parser")
struct PrometheusTextParserTests {
    static func parse(_ text: String) throws -> PrometheusTextParser.Page {
        try PrometheusTextParser.parse(text, defaultTimestamp: 42)
    }

    /// (page, the points as `kind name{labels} value @timestamp` lines, sorted).
    static let pages: [(String, [String])] = [
        ("# HELP a_total Requests.\n# TYPE a_total counter\na_total{code=\"200\"} 3\n", ["counter a_total{code=200} 3 @42"]),
        ("# TYPE t gauge\nt 1.5 1700000000000\n", ["gauge t{} 1.5 @1700000000000"]),
        ("no_type_line 7\n", ["gauge no_type_line{} 7 @42"]),
        ("# a plain comment\n\n   \n# TYPE g untyped\ng{} 1\n", ["gauge g{} 1 @42"]),
        ("x{v=\"a\\\\b\\\"c\\nd\"} 1\n", ["gauge x{v=a\\b\"c\nd} 1 @42"]),
        ("x{v=\"a\\qb\"} 1\n", ["gauge x{v=a\\qb} 1 @42"]),
        ("n NaN\np +Inf\nm -Inf\ne 1e-3\nh 0x1p-2\n", ["gauge e{} 0.001 @42", "gauge h{} 0.25 @42", "gauge m{} -Inf @42", "gauge n{} NaN @42", "gauge p{} +Inf @42"]),
        ("x{b=\"2\",a=\"1\",} 1\n", ["gauge x{a=1,b=2} 1 @42"]),
        ("x { a = \"1\" } \t 1 \r\n", ["gauge x{a=1} 1 @42"]),
        ("x{a=\"}, {\"} 1\n", ["gauge x{a=}, {} 1 @42"]),
        ("ns:rule:rate5m 2\n", ["gauge ns:rule:rate5m{} 2 @42"]),
        ("""
         # TYPE lat histogram
         lat_bucket{le="0.5"} 1
         lat_bucket{le="+Inf"} 2
         lat_sum 0.75
         lat_count 2
         lat_created 5
         """, ["gauge lat_created{} 5 @42", "histogram lat_bucket{le=+Inf} 2 @42", "histogram lat_bucket{le=0.5} 1 @42",
               "histogram lat_count{} 2 @42", "histogram lat_sum{} 0.75 @42"]),
        ("""
         # TYPE rpc summary
         rpc{quantile="0.5"} 0.1
         rpc{quantile="0.99"} NaN
         rpc_sum 4
         rpc_count 9
         rpc_bucket 1
         """, ["gauge rpc_bucket{} 1 @42", "summary rpc_count{} 9 @42", "summary rpc_sum{} 4 @42",
               "summary rpc{quantile=0.5} 0.1 @42", "summary rpc{quantile=0.99} NaN @42"]),
    ]

    @Test(arguments: pages)
    func parses(page: String, expected: [String]) throws {
        let points = try Self.parse(page).points
        let lines = points.map { p in
            "\(p.kind.rawValue) \(p.name){\(p.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ","))} \(PrometheusText.format(p.value)) @\(p.timestamp)"
        }
        #expect(lines.sorted() == expected)
    }

    @Test func helpIsUnescapedAndKeptByFamily() throws {
        let page = try Self.parse("# HELP lat Latency \\\\ in\\nseconds.\n# TYPE lat histogram\nlat_count 1\n")
        #expect(page.help == ["lat": "Latency \\ in\nseconds."])
        #expect(page.points.first?.family == "lat")
    }

    /// (page, line of the error, fragment of the message).
    static let mistakes: [(String, Int, String)] = [
        ("ok 1\n1bad 2\n", 2, "expected a metric name"),
        ("x{a=\"1\" 2\n", 1, "expected , or }"),
        ("x{a=\"1} 2\n", 1, "unterminated value"),
        ("x{a=1} 2\n", 1, "quoted value"),
        ("x{a=\"1\",a=\"2\"} 2\n", 1, "appears twice"),
        ("x{__name__x-y=\"1\"} 2\n", 1, "expected = after label"),
        ("x\n", 1, "expected a sample value"),
        ("x one\n", 1, "expected a sample value"),
        ("x 1 soon\n", 1, "expected a timestamp"),
        ("x 1 2 3\n", 1, "unexpected text"),
        ("# TYPE x countr\n", 1, "unknown metric type"),
        ("# HELP\n", 1, "needs a metric name"),
    ]

    @Test(arguments: mistakes)
    func mistakesNameTheLine(page: String, line: Int, message: String) {
        #expect {
            try Self.parse(page)
        } throws: { error in
            guard let error = error as? PrometheusTextParser.ParseError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    /// What the collector's own prometheus exporter serves reads back to the same points.
    @Test func exporterPageRoundTrips() throws {
        let points = [
            point("aeolus_drops", ["reason": "a\"b\\c\nd", "pod": "web-1"], 3),
            point("aeolus_temp", [:], 1.5, kind: .gauge),
            point("lat_bucket", ["le": "+Inf"], 2, kind: .histogram),
            point("lat_bucket", ["le": "0.5"], 1, kind: .histogram),
            point("lat_count", [:], 2, kind: .histogram),
            point("lat_sum", [:], 0.75, kind: .histogram),
            point("rpc", ["quantile": "0.5"], 0.25, kind: .summary),
            point("rpc_count", [:], 4, kind: .summary),
        ]
        let page = try Self.parse(PrometheusText.render(points, help: ["lat": "Latency."]))
        var expected = points
        expected[0].name = "aeolus_drops_total"
        #expect(page.points.map { $0.with(timestamp: 0) }.lines == expected.map { $0.with(timestamp: 0) }.lines)
        #expect(Set(page.points.map(\.kind)) == [.counter, .gauge, .histogram, .summary])
        #expect(page.help == ["lat": "Latency."])
    }
}

extension MetricPoint {
    func with(timestamp: Int64) -> MetricPoint {
        var point = self
        point.timestamp = timestamp
        return point
    }
}
