import Foundation

/// Prints results as a table and writes them as JSON.
enum ResultReport {
    /// The table: benchmark, Aeolus, floor/peer, ratio, target, pass/miss, note.
    static func table(_ results: [BenchmarkResult]) -> String {
        let header = ["benchmark", "Aeolus", "floor/peer", "ratio", "target", "result", "note"]
        let rows = results.map { result in
            [result.name,
             "\(format(result.aeolus)) \(result.unit)",
             "\(format(result.peer)) (\(result.peerName))",
             String(format: "%.2f×", result.ratio),
             result.target.map { "≤ " + String(format: "%.2g×", $0) } ?? "-",
             result.passed.map { $0 ? "pass" : "MISS" } ?? "-",
             result.note]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }

    /// Writes `{kernel, date, results}` to `path`, creating its folder.
    static func writeJSON(_ results: [BenchmarkResult], to path: String) throws {
        struct Document: Encodable {
            let date: Date
            let kernel: String
            let results: [BenchmarkResult]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(Document(date: Date(), kernel: kernelRelease(), results: results))
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    private static func format(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }

    private static func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
