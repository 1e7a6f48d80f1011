import AeolusModel
import ArgumentParser
import BPFKit
import Compiler
import Foundation

/// `aeolus check`: validates and compiles a config repository as the dictator would, for
/// pull-request review. Exit 0 when clean, 1 when anything is wrong, 2 on usage or internal errors.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate, compile and verify a config repository.",
        discussion: """
        Decodes every template, policy and graph edge, compiles each template with clang, and runs \
        the static verifier (hooks, helper calls, license, limits, parameter and map layout). With \
        --load, each object is also loaded through the running kernel's verifier with every \
        parameter set the repository uses (needs root). One broken template is reported and all \
        the others are still checked.
        Exit status: 0 clean, 1 problems found, 2 usage or internal error.
        """)

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "A git revision to check instead of the working tree (e.g. HEAD, origin/main, a sha).")
    var rev: String?

    @Flag(help: "Also load each object through the kernel's verifier (root).")
    var load = false

    @Option(help: "text, json, or github (workflow annotations).")
    var format: OutputFormat = .text

    func run() async throws {
        let report: CheckReport
        do {
            report = try CheckReport.make(repository: repository, revision: rev, load: load)
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandleStandardError.write("aeolus check: \(error)\n")
            throw ExitCode(2)
        }
        print(report.render(format), terminator: "")
        if report.hasErrors { throw ExitCode(1) }
    }
}

/// The outcome of a check: per template, its object or its failure, and every diagnostic.
struct CheckReport: Encodable {
    struct TemplateResult: Encodable {
        var name: String
        var ok: Bool
        var digest: String?
        var programs: [String]
        var instructions: Int?
    }

    var revision: String
    var templates: [TemplateResult]
    var policies: Int
    var edges: Int
    var diagnostics: [Diagnostic]
    var loaded: Bool

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    static func make(repository options: RepositoryOptions, revision: String?, load: Bool) throws -> CheckReport {
        if load, geteuid() != 0 {
            throw ValidationError("--load needs root (it loads programs through the BPF syscall)")
        }
        let snapshot = try options.snapshot(at: revision)
        let build = RepositoryCompiler(compiler: try options.makeCompiler(command: "check")).build(snapshot: snapshot)
        var diagnostics = Array(build.diagnostics)
        var failed = build.failedTemplates
        if load {
            try BPFFileSystem.ensureMounted()
            try TraceFS.ensureMounted()
            let verifier = KernelVerifier()
            for name in build.templates.keys.sorted() {
                let compiled = build.templates[name]!
                let problems = verifier.verify(compiled, parameterSets: verifier.parameterSets(for: compiled.template, in: build.repository))
                if !problems.isEmpty { failed.insert(name) }
                diagnostics += problems
            }
        }
        let names = Set(build.templates.keys).union(failed).sorted()
        let templates = names.map { name in
            let compiled = failed.contains(name) ? nil : build.templates[name]
            return TemplateResult(name: name, ok: compiled != nil, digest: compiled?.object.digest,
                                  programs: compiled?.template.programs.map(\.name) ?? [],
                                  instructions: compiled?.object.spec.programs.reduce(0) { $0 + $1.instructionCount })
        }
        return CheckReport(revision: revision ?? "working tree", templates: templates,
                           policies: build.repository.policies.count, edges: build.repository.graph.edges.count,
                           diagnostics: Diagnostics(diagnostics).sorted.items, loaded: load)
    }

    func render(_ format: OutputFormat) -> String {
        switch format {
        case .text: return text()
        case .json: return json()
        case .github: return github()
        }
    }

    private var summary: String {
        let good = templates.filter(\.ok).count
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        return "\(revision): \(templates.count) templates (\(good) ok, \(templates.count - good) failed)"
            + "\(loaded ? ", loaded into the kernel" : ""); \(policies) policies and \(edges) edges applicable; "
            + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
    }

    private func text() -> String {
        var out = diagnostics.map { "\($0)\n" }.joined()
        for template in templates {
            let detail = template.ok
                ? "\(template.digest?.prefix(19) ?? "")…  \(template.programs.joined(separator: ", "))  (\(template.instructions ?? 0) insns)"
                : "FAILED"
            out += "  \(template.ok ? "ok  " : "fail") \(template.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(detail)\n"
        }
        return out + summary + "\n"
    }

    private func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self) + "\n") ?? "{}\n"
    }

    /// GitHub workflow commands: one annotation per diagnostic, on the file and line it names.
    private func github() -> String {
        func escape(_ text: String, property: Bool = false) -> String {
            var out = text.replacingOccurrences(of: "%", with: "%25")
                .replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
            if property { out = out.replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C") }
            return out
        }
        var out = ""
        for diagnostic in diagnostics {
            let command = diagnostic.severity == .error ? "error" : diagnostic.severity == .warning ? "warning" : "notice"
            var properties = ["file=\(escape(diagnostic.file, property: true))"]
            if diagnostic.line > 0 { properties.append("line=\(diagnostic.line)") }
            if diagnostic.column > 0 { properties.append("col=\(diagnostic.column)") }
            properties.append("title=\(escape("aeolus check", property: true))")
            let message = diagnostic.path.isEmpty ? diagnostic.message : "\(diagnostic.path): \(diagnostic.message)"
            out += "::\(command) \(properties.joined(separator: ","))::\(escape(message))\n"
        }
        return out + summary + "\n"
    }
}
