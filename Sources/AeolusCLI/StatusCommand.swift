import AeolusModel
import ArgumentParser
import CurlKit
import Dictator
import Foundation

/// `aeolus status`: nodes, probes, the last revision and errors, as the dictator sees them.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show nodes, probes and reactions as the dictator sees them.")

    /// How the status prints.
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(help: "The dictator's URL, e.g. http://127.0.0.1:8080 (https:// with --ca for a dictator serving TLS).")
    var dictator: String

    @Option(help: "table or json.")
    var format: Format = .table

    @Option(name: .customLong("token-file"), help: "File holding the dictator's secret (node and collector tokens may not read the status).")
    var tokenFile: String?

    @OptionGroup var tls: ClientTLSOptions

    func run() async throws {
        let token = try tokenFile.map { try Daemon.secret($0, purpose: "--token-file") }
        let client: HTTPClient
        do {
            client = HTTPClient(tls: try tls.tlsOptions())
        } catch {
            FileHandleStandardError.write("aeolus status: \(error)\n")
            throw ExitCode(1)
        }
        let base = dictator.hasSuffix("/") ? String(dictator.dropLast()) : dictator
        let request = HTTPRequest(url: base + "/api/v1/status", headers: ["Accept": "application/json"],
                                  timeout: .seconds(10), connectTimeout: .seconds(5), bearerToken: token)
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch {
            FileHandleStandardError.write("aeolus status: cannot reach \(base): \(error)\n")
            throw ExitCode(1)
        }
        guard response.status == 200 else {
            FileHandleStandardError.write("aeolus status: \(base) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))\n")
            throw ExitCode(1)
        }
        switch format {
        case .json:
            print(String(decoding: response.body, as: UTF8.self))
        case .table:
            let status = try NodeProbeState.makeDecoder().decode(DictatorStatus.self, from: Data(response.body))
            print(Self.table(status), terminator: "")
        }
    }

    /// The status for people: the revision, one row per probe per node, then errors.
    static func table(_ status: DictatorStatus) -> String {
        var out = "revision: \(status.summary.revision ?? "none yet")"
        if let message = status.summary.message { out += " (\(message))" }
        if let signer = status.summary.signedBy { out += "\nsigned by: \(signer)" }
        if let refused = status.summary.refused { out += "\nrefused: \(refused.message)" }
        out += "\nnodes: \(status.summary.nodes.total), lost: \(status.summary.nodes.lost)\n\n"
        var rows = [["NODE", "PROBE", "TEMPLATE", "STATE", "REASON"]]
        for node in status.nodes {
            let name = node.lost ? node.node + " (lost)" : node.node
            if node.probes.isEmpty { rows.append([name, "-", "-", "-", ""]) }
            for probe in node.probes {
                rows.append([name, probe.id, probe.template, probe.state, probe.reason ?? ""])
            }
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            out += zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        for (key, problem) in status.summary.policyProblems.sorted(by: { $0.key < $1.key }) {
            out += "\npolicy \(key): \(problem)"
        }
        if !status.errors.isEmpty {
            out += "\nerrors:\n"
            for report in status.errors {
                let condition = report.condition.map { " [\($0.rawValue)]" } ?? ""
                out += "  \(report.template)\(condition)\n"
                for error in report.errors { out += "    \(error.file):\(error.line):\(error.column): \(error.message)\n" }
            }
        }
        return out
    }
}
