import ArgumentParser
import Dictator

/// `aeolus token`: prints a node's or the collectors' bearer token, derived from the dictator's
/// secret (see `APIAuthorizer`).
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Print a node's or the collectors' bearer token, derived from the dictator's secret.",
        discussion: """
        A node token (--node) lets an agent register, watch and report as that node only, and fetch only the \
        objects its assignment names; a collector token (--collector) may only remote-write. Both are derived \
        from the secret in --token-file (the dictator's own --token-file), so the dictator keeps no list of \
        them: changing the secret revokes every derived token.
        """)

    @Option(help: "The node the token is for (as the agent registers it).")
    var node: String?

    @Flag(help: "A collector token (remote write only).")
    var collector = false

    @Option(name: .customLong("token-file"), help: "File holding the dictator's secret (its --token-file).")
    var tokenFile: String

    func validate() throws {
        guard (node != nil) != collector else { throw ValidationError("give one of --node NAME or --collector") }
        if let node, let problem = APIAuthorizer.problem(nodeName: node) { throw ValidationError("--node: \(problem)") }
    }

    func run() throws {
        let secret = try Daemon.secret(tokenFile, purpose: "--token-file")
        guard !secret.isEmpty else { throw ValidationError("\(tokenFile) is empty: the dictator's secret is needed") }
        print(try APIAuthorizer(secret: secret).token(for: node.map { .node($0) } ?? .collector))
    }
}
