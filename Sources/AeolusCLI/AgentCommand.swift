import Agent
import ArgumentParser
import Dictator
import Foundation
import Logging

/// `aeolus agent`: the node agent (AHA). Loads, attaches, adopts and reports probes.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the agent (AHA): loads and attaches probes on this node.",
        discussion: """
        With --dictator URL the agent registers (with its --label values), follows its node's \
        assignment and reports what is live. With --assignments FILE it runs standalone from a \
        local desired-set file (JSON or YAML), re-read when it changes. With --pods kubernetes the \
        node's pods come from the Kubernetes API (a watch of spec.nodeName=NODE, each pod found by \
        its IP among the node's network namespaces) and the registration carries the Node \
        object's labels, followed as they change; otherwise pods are the named network namespaces \
        (/run/netns), or the entries of a pods file. The pods as found are written to \
        <state-dir>/pods.json for the collector. Probes stay attached when the agent stops; a \
        restarted agent adopts them. Serves /metrics and /healthz on --listen. Stops on SIGTERM or SIGINT.
        """)

    @Option(help: "This node's name (default: the NODE_NAME environment variable).")
    var node: String?

    @Option(help: "The dictator's URL (agent protocol).")
    var dictator: String?

    @Option(help: "A file holding this node's bearer token (`aeolus token --node NAME`, or in Kubernetes the pod's projected service-account token), or the dictator's secret; read again before each request.")
    var tokenFile: String?

    @Option(name: .customLong("label"), help: "A node label, key=value (repeatable); node selectors match these.")
    var labels: [String] = []

    @Option(help: "A local desired-set file (standalone mode).")
    var assignments: String?

    @Option(help: "The bpffs mount.")
    var bpffs = "/sys/fs/bpf"

    @Option(help: "Where probe records and probes.json are kept.")
    var stateDir = "/var/lib/aeolus/agent"

    @Option(help: "Where pods come from: 'kubernetes' (the API), 'netns' (every /run/netns entry), or a pods file: a list of {name, namespace, labels, netns, interface, hostInterface}.")
    var pods = "netns"

    @Option(help: "With --pods kubernetes: a kubeconfig file (its current context); default: the pod's service account.")
    var kubeconfig: String?

    @Option(name: .customLong("netns-dir"), help: "With --pods kubernetes: a folder of network namespace files to find pods in (repeatable; default /run/netns and /var/run/netns; /proc/<pid>/ns/net is searched for the rest).")
    var netnsDirectories: [String] = []

    @Option(help: "host:port for /metrics and /healthz; 'none' to serve nothing.")
    var listen = "127.0.0.1:9465"

    @Option(help: "Seconds between reconcile passes (pods re-listed, state rewritten).")
    var interval: Double = 1

    @OptionGroup var tls: ClientTLSOptions

    @OptionGroup var log: LogOptions

    var options: AgentCommandOptions {
        AgentCommandOptions(node: node ?? ProcessInfo.processInfo.environment["NODE_NAME"] ?? "", dictator: dictator,
                            assignments: assignments, bpffs: bpffs, stateDirectory: stateDir,
                            pods: .init(argument: pods), kubeconfig: kubeconfig,
                            netnsDirectories: netnsDirectories.isEmpty ? AgentCommandOptions.defaultNetnsDirectories : netnsDirectories,
                            listen: listen == "none" ? nil : listen,
                            interval: .milliseconds(Int64(interval * 1000)),
                            labels: Dictionary(labels.map(Self.label), uniquingKeysWith: { _, last in last }))
    }

    static func label(_ text: String) -> (String, String) {
        let parts = text.split(separator: "=", maxSplits: 1)
        return (String(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
    }

    func validate() throws {
        for label in labels where !label.contains("=") {
            throw ValidationError("--label '\(label)': expected key=value")
        }
        do { try options.validate() } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        log.bootstrap()
        let logger = Logger(label: "aeolus.agent")
        try await Daemon.run("agent", logger: logger) {
            var options = options
            options.tls = try tls.tlsOptions()
            if let tokenFile {
                // Read once at start (a missing or unreadable file ends the agent at once), then
                // before each request: a projected service-account token rotates.
                let token = try Daemon.secret(tokenFile, purpose: "--token-file")
                if let claimed = APIAuthorizer.claimedIdentity(of: token), claimed != .node(options.node) {
                    throw ValidationError("--token-file \(tokenFile) holds \(claimed), not node \"\(options.node)\"'s: "
                                          + "mint this node's with aeolus token --node \(options.node)")
                }
                options.tokenFile = tokenFile
            }
            try await AgentService.run(options, logger: logger)
        }
    }
}
