import AeolusTesting
@testable import Collector
import CurlKit
import Foundation
import Testing
import Yams

/// The remote-write exporter's `tls:` block (OpenTelemetry's configtls client settings).
struct ClientTLSConfigTests {
    static func read(_ yaml: String) throws -> (TLSOptions?, [ConfigError]) {
        let issues = ConfigIssues(file: "collector.yaml")
        let node = try #require(try Yams.compose(yaml: yaml))
        return (ClientTLSConfig.read(ConfigNode(node: node, path: "exporters.prometheusremotewrite.tls", issues: issues)), issues.errors)
    }

    @Test func theBlockBecomesCurlTLSOptions() throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-collector-tls")
        defer { temp.remove() }
        for name in ["ca.crt", "tls.crt", "tls.key"] { try "pem\n".write(toFile: temp.path(name), atomically: true, encoding: .utf8) }
        let (options, errors) = try Self.read("""
            ca_file: \(temp.path("ca.crt"))
            cert_file: \(temp.path("tls.crt"))
            key_file: \(temp.path("tls.key"))
            insecure_skip_verify: false
            """)
        #expect(errors.isEmpty, "\(errors)")
        #expect(options == TLSOptions(caCertificate: .file(temp.path("ca.crt")), clientCertificate: .file(temp.path("tls.crt")),
                                      clientKey: .file(temp.path("tls.key"))))
        #expect(try Self.read("insecure_skip_verify: true").0?.insecureSkipVerify == true)
    }

    @Test func unreadableFilesAndACertificateWithoutItsKeyAreErrorsWithTheLine() throws {
        let (_, errors) = try Self.read("""
            ca_file: /nonexistent/aeolus-ca.crt
            cert_file: /nonexistent/aeolus-tls.crt
            insecure: true
            """)
        let lines = errors.map { "\($0.line): \($0.description)" }
        #expect(errors.contains { $0.line == 1 && $0.description.contains("cannot read /nonexistent/aeolus-ca.crt") }, "\(lines)")
        #expect(errors.contains { $0.line == 2 && $0.description.contains("cert_file and key_file go together") }, "\(lines)")
        #expect(errors.contains { $0.line == 3 && $0.description.contains("unknown field \"insecure\"") }, "\(lines)")
        #expect(errors.allSatisfy { $0.description.hasPrefix("collector.yaml:") })
    }
}
