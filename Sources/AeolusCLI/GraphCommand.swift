import AeolusModel
import ArgumentParser
import Foundation

/// `aeolus graph`: the template graph, each edge labelled with its condition, in Graphviz dot or
/// Mermaid (which GitHub renders in pull requests).
struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw the template graph (dot or mermaid).",
        discussion: "Baseline templates (deployed by a policy) are drawn bold (dot) or as subroutines (mermaid).")

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "A git revision instead of the working tree.")
    var rev: String?

    @Option(help: "dot or mermaid.")
    var format: GraphRenderer.Format = .dot

    func run() async throws {
        let snapshot: [String: Data]
        do { snapshot = try repository.snapshot(at: rev) } catch {
            FileHandleStandardError.write("aeolus graph: \(error)\n")
            throw ExitCode(2)
        }
        let (loaded, diagnostics) = ConfigRepository.load(snapshot: snapshot)
        for diagnostic in diagnostics where diagnostic.severity == .error {
            FileHandleStandardError.write("\(diagnostic)\n")
        }
        print(GraphRenderer.render(loaded, as: format), terminator: "")
    }
}

extension GraphRenderer.Format: ExpressibleByArgument {}
