@testable import Collector
import Testing

@Suite("Prometheus text format")
struct PrometheusTextTests {
    @Test func helpTypeAndTotal() {
        let text = PrometheusText.render([
            point("aeolus_drops", ["reason": "a\"b\\c\nd"], 3),
            point("aeolus_temp", [:], 1.5, kind: .gauge),
            point("lat_bucket", ["le": "+Inf"], 2, kind: .histogram),
            point("lat_bucket", ["le": "0.5"], 1, kind: .histogram),
            point("lat_count", [:], 2, kind: .histogram),
            point("lat_sum", [:], 0.75, kind: .histogram),
        ], help: ["aeolus_drops": "Dropped packets.", "lat": "Latency."])
        #expect(text == """
            # HELP aeolus_drops_total Dropped packets.
            # TYPE aeolus_drops_total counter
            aeolus_drops_total{reason="a\\"b\\\\c\\nd"} 3
            # TYPE aeolus_temp gauge
            aeolus_temp 1.5
            # HELP lat Latency.
            # TYPE lat histogram
            lat_bucket{le="0.5"} 1
            lat_bucket{le="+Inf"} 2
            lat_sum 0.75
            lat_count 2

            """)
    }

    @Test(arguments: [(1.0, "1"), (0.25, "0.25"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"), (1e20, "1e+20")])
    func values(value: Double, text: String) {
        #expect(PrometheusText.format(value) == text)
    }
}
