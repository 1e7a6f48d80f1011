import CurlKit
import Testing

@Suite struct HTTPLineSequenceTests {
    static func chunks(_ parts: [[UInt8]]) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            for part in parts { continuation.yield(part) }
            continuation.finish()
        }
    }

    static func lines(_ parts: [[UInt8]], maxLineLength: Int = 1 << 20) async throws -> [String] {
        try await HTTPLineSequence(chunks(parts), maxLineLength: maxLineLength).all().map { String(decoding: $0, as: UTF8.self) }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let lines: [String]
        var testDescription: String { text.debugDescription }
    }

    static let cases: [Case] = [
        Case(text: "", lines: []),
        Case(text: "one", lines: ["one"]),
        Case(text: "one\n", lines: ["one"]),
        Case(text: "one\ntwo\n", lines: ["one", "two"]),
        Case(text: "one\r\ntwo\r\n", lines: ["one", "two"]),
        Case(text: "\n\n", lines: ["", ""]),
        Case(text: "a\nb", lines: ["a", "b"]),
        Case(text: "{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"DELETED\"}\n", lines: ["{\"type\":\"ADDED\",\"object\":{}}", "{\"type\":\"DELETED\"}"]),
    ]

    /// Every way of cutting the text into two or three chunks gives the same lines.
    @Test(arguments: cases)
    func splitAnywhere(_ c: Case) async throws {
        let bytes = Array(c.text.utf8)
        #expect(try await Self.lines([bytes]) == c.lines)
        for i in 0...bytes.count {
            for j in i...bytes.count {
                let parts = [Array(bytes[..<i]), Array(bytes[i..<j]), Array(bytes[j...])]
                #expect(try await Self.lines(parts) == c.lines, "cut at \(i), \(j)")
            }
        }
        #expect(try await Self.lines(bytes.map { [$0] }) == c.lines)
    }

    @Test func overlongLineFails() async throws {
        await #expect(throws: LineTooLongError(limit: 8)) {
            _ = try await Self.lines([Array("short\n".utf8), Array("0123456789".utf8)], maxLineLength: 8)
        }
        #expect(try await Self.lines([Array("12345678\n".utf8)], maxLineLength: 8) == ["12345678"])
    }
}
