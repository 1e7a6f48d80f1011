/// The Prometheus text exposition format (0.0.4): `# HELP`, `# TYPE` and one line per sample.
public enum PrometheusText {
    /// The Content-Type of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition name of a family: counters end in `_total`.
    public static func exposedName(_ family: String, kind: MetricKind) -> String {
        kind == .counter && !family.hasSuffix("_total") ? family + "_total" : family
    }

    /// Renders `points` grouped by family (sorted), each family with its help and type.
    /// Timestamps are left out: the scraper stamps samples itself.
    public static func render(_ points: [MetricPoint], help: [String: String]) -> String {
        var families: [String: (kind: MetricKind, points: [MetricPoint])] = [:]
        for point in points {
            families[point.family, default: (point.kind, [])].points.append(point)
        }
        var out = ""
        out.reserveCapacity(points.count * 64)
        for family in families.keys.sorted() {
            let (kind, members) = families[family]!
            let name = exposedName(family, kind: kind)
            if let text = help[family], !text.isEmpty { out += "# HELP \(name) \(escapeHelp(text))\n" }
            out += "# TYPE \(name) \(kind.rawValue)\n"
            for point in members.sorted(by: sampleOrder) {
                out += kind == .counter ? name : point.name
                if !point.labels.isEmpty {
                    out += "{"
                    var first = true
                    for label in point.labels {
                        if !first { out += "," }
                        first = false
                        out += label.name
                        out += "=\""
                        out += escapeValue(label.value)
                        out += "\""
                    }
                    out += "}"
                }
                out += " "
                out += format(point.value)
                out += "\n"
            }
        }
        return out
    }

    /// Orders a family's samples: by labels other than `le` and `quantile`, then `_bucket` by
    /// bound (or a summary's quantiles), `_sum`, `_count`.
    static func sampleOrder(_ a: MetricPoint, _ b: MetricPoint) -> Bool {
        let aRest = a.labels.filter { $0.name != "le" && $0.name != "quantile" }, bRest = b.labels.filter { $0.name != "le" && $0.name != "quantile" }
        if aRest != bRest { return aRest.lexicographicallyPrecedes(bRest) }
        if a.name != b.name { return suffixRank(a.name) < suffixRank(b.name) }
        return bound(a) < bound(b)
    }

    private static func suffixRank(_ name: String) -> Int {
        name.hasSuffix("_sum") ? 1 : name.hasSuffix("_count") ? 2 : 0
    }

    private static func bound(_ point: MetricPoint) -> Double {
        guard let le = point.label("le") ?? point.label("quantile") else { return 0 }
        return le == "+Inf" ? .infinity : Double(le) ?? 0
    }

    /// A sample value: integers without a fraction, `+Inf`, `-Inf`, `NaN`.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeValue(_ text: String) -> String {
        guard text.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return text }
        return text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
