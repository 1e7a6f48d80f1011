import ArgumentParser
import Demo
import Foundation

/// `aeolus demo`: the whole loop on this machine (root).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole loop on this machine: pods, git, dictator, agent, collector, Prometheus.",
        discussion: """
        Creates four pods (network namespaces on a bridge, 198.18.0.0/24) with real traffic, a git \
        repository seeded from config-repo-example behind git daemon, and starts the dictator, an \
        agent, a collector and Prometheus. Then it tells the story: baseline probes from git, a \
        policy pushed with a webhook, loss injected, the dictator's reaction with a per-flow probe, \
        its metrics, the reaction on the status branch, and its TTL. At exit (Ctrl-C, SIGTERM, \
        --duration or a failure) it removes every namespace, link, filter, pin and process.
        """)

    @Option(help: "Stop after this many seconds (default: run until Ctrl-C).")
    var duration: Int?

    @Option(help: "The config repository to seed the demo's git repository from.")
    var configRepo = "config-repo-example"

    @Option(help: "Scratch folder for the repository, state and logs.")
    var workdir = "/tmp/aeolus-demo"

    @Flag(help: "Keep the scratch folder (logs) at exit.")
    var keep = false

    func validate() throws {
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        guard FileManager.default.fileExists(atPath: configRepo + "/graph.yaml") else {
            throw ValidationError("--config-repo \(configRepo): no graph.yaml there (run from the repository's root, or point at config-repo-example)")
        }
    }

    func run() throws {
        let options = Demo.Options(duration: duration, configRepository: configRepo, workdir: workdir, keep: keep)
        let status = Demo(options: options).run()
        if status != 0 { throw ExitCode(status) }
    }
}
