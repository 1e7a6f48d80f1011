import AeolusModel
import ArgumentParser
import Compiler
import Foundation

/// `aeolus diff`: what would change in the clusters between two revisions of the config
/// repository. Exit 0 for no difference, 1 for a difference, 2 on error (as `flux diff` and
/// `argocd app diff` do), so a pipeline can branch on it.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what would change between two revisions of a config repository.",
        discussion: """
        Compares what BASE and HEAD deploy: probes added, removed or re-parameterised per policy, \
        templates whose compiled object changes (by digest), and graph edges added, removed or \
        changed. Without HEAD, BASE is compared with the working tree.
        Exit status: 0 no difference, 1 a difference, 2 error.
        """)

    @OptionGroup var repository: RepositoryOptions

    @Argument(help: "The base revision (e.g. origin/main).")
    var base: String

    @Argument(help: "The head revision (default: the working tree).")
    var head: String?

    @Option(help: "text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        if format == .github { throw ValidationError("--format github is only for `aeolus check`") }
    }

    func run() async throws {
        let diff: RepositoryDiff
        do {
            let repositoryCompiler = RepositoryCompiler(compiler: try repository.makeCompiler(command: "diff"))
            func view(_ revision: String?) throws -> RevisionView {
                let build = repositoryCompiler.build(snapshot: try repository.snapshot(at: revision))
                return RevisionView(policies: build.repository.policies,
                                    digests: build.templates.mapValues(\.object.digest),
                                    edges: build.repository.graph.edges)
            }
            diff = RepositoryDiff(base: try view(base), head: try view(head))
        } catch {
            FileHandleStandardError.write("aeolus diff: \(error)\n")
            throw ExitCode(2)
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(diff), as: UTF8.self))
        default:
            print(Self.text(diff, base: base, head: head ?? "working tree"), terminator: "")
        }
        if !diff.isEmpty { throw ExitCode(1) }
    }

    static func text(_ diff: RepositoryDiff, base: String, head: String) -> String {
        guard !diff.isEmpty else { return "no changes between \(base) and \(head)\n" }
        var out = "changes from \(base) to \(head):\n"
        if !diff.policies.isEmpty {
            out += "policies:\n"
            for change in diff.policies {
                out += "  \(change.change.sign) \(change.policy)  (template \(change.template))\n"
                out += change.details.map { "      \($0)\n" }.joined()
            }
        }
        if !diff.templates.isEmpty {
            out += "templates:\n"
            for change in diff.templates {
                let digests = [change.baseDigest, change.headDigest].map { $0.map { String($0.prefix(19)) } ?? "(none)" }
                out += "  \(change.change.sign) \(change.template)  \(digests[0]) → \(digests[1])\n"
            }
        }
        if !diff.edges.isEmpty {
            out += "edges:\n"
            for change in diff.edges {
                out += "  \(change.change.sign) \(change.edge)  \(change.summary)\n"
                out += change.details.map { "      \($0)\n" }.joined()
            }
        }
        return out
    }
}
