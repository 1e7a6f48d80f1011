@testable import Collector
import Testing

/// `${env:NAME}` in collector config files, as the OpenTelemetry Collector reads them.
@Suite struct EnvironmentExpansionTests {
    static let environment = ["NODE": "n7", "EMPTY": "", "TOKEN": "s3cret"]

    @Test(arguments: [
        ("plain: text", "plain: text"),
        ("node: ${env:NODE}-x", "node: n7-x"),
        ("two: ${env:NODE}/${env:TOKEN}", "two: n7/s3cret"),
        ("set wins: ${env:NODE:-other}", "set wins: n7"),
        ("unset takes the default: ${env:UNSET:-fallback}", "unset takes the default: fallback"),
        ("an empty default: ${env:UNSET:-}", "an empty default: "),
        ("set but empty stays empty: ${env:EMPTY:-fallback}", "set but empty stays empty: "),
        ("a default with a colon: ${env:UNSET:-http://a:1}", "a default with a colon: http://a:1"),
        ("escaped: $${env:NODE}", "escaped: ${env:NODE}"),
        ("a lone $ stays: a$b", "a lone $ stays: a$b"),
        ("# a comment: ${env:UNSET}", "# a comment: ${env:UNSET}"),
        ("a: 1\n  # ${env:UNSET}\nb: ${env:NODE}", "a: 1\n  # ${env:UNSET}\nb: n7"),
    ])
    func expands(text: String, expected: String) throws {
        #expect(try EnvironmentExpansion.expand(text, file: "c.yaml", environment: Self.environment) == expected)
    }

    @Test func anUnsetVariableIsAnErrorNamingItTheFileAndTheLine() {
        do {
            _ = try EnvironmentExpansion.expand("a: 1\nb: ${env:AEOLUS_UNSET}\nc: ${env:ALSO_UNSET}", file: "c.yaml", environment: [:])
            Issue.record("no error")
        } catch let error as ConfigErrors {
            #expect(error.errors.map(\.line) == [2, 3])
            #expect(error.errors.map(\.column) == [4, 4])
            #expect(error.description.contains("c.yaml:2:4: error: ${env:AEOLUS_UNSET}: the environment variable AEOLUS_UNSET is not set"))
            #expect(error.description.contains("ALSO_UNSET"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test(arguments: ["${env:1ABC}", "${env:A-B}", "${env:}", "${env:NODE"])
    func aMalformedReferenceIsAnError(text: String) {
        #expect(throws: ConfigErrors.self) { try EnvironmentExpansion.expand("x: " + text, file: "c.yaml", environment: Self.environment) }
    }
}

/// How often an exporter that cannot deliver says so.
@Suite struct FailureLogTests {
    @Test func theFirstFailureIsLoggedThenAtMostOncePerIntervalThenTheRecovery() {
        var log = FailureLog(interval: .seconds(30))
        let start = ContinuousClock.now
        #expect(log.failed(at: start) == .failing(unreported: 0, dropped: 0))
        #expect(log.failed(at: start + .seconds(1), dropped: 5) == FailureLog.Line.none)
        #expect(log.failed(at: start + .seconds(29)) == FailureLog.Line.none)
        #expect(log.failed(at: start + .seconds(31), dropped: 2) == .failing(unreported: 2, dropped: 7))
        #expect(log.failed(at: start + .seconds(32)) == FailureLog.Line.none)
        #expect(log.succeeded() == .recovered(failures: 5))
        #expect(log.succeeded() == FailureLog.Line.none)
        // A new outage is reported at once.
        #expect(log.failed(at: start + .seconds(33)) == .failing(unreported: 0, dropped: 0))
    }
}
