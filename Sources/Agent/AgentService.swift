import AeolusModel
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The options of `aeolus agent`, as the CLI parses them.
public struct AgentCommandOptions: Sendable, Hashable {
    /// The node's name.
    public var node: String
    /// The dictator's URL (agent protocol); exclusive with `assignments`.
    public var dictator: String?
    /// A local desired-set file (standalone mode); exclusive with `dictator`.
    public var assignments: String?
    /// The bpffs mount.
    public var bpffs: String
    /// The state directory.
    public var stateDirectory: String
    /// A pods file for the network-namespace inventory (nil: every named netns is a pod).
    public var podsFile: String?
    /// `host:port` of `/metrics` and `/healthz`; nil serves nothing.
    public var listen: String?
    /// The reconcile interval.
    public var interval: Duration

    /// Creates options.
    public init(node: String, dictator: String? = nil, assignments: String? = nil, bpffs: String = "/sys/fs/bpf",
                stateDirectory: String = "/var/lib/aeolus/agent", podsFile: String? = nil,
                listen: String? = "127.0.0.1:9465", interval: Duration = .seconds(1)) {
        self.node = node
        self.dictator = dictator
        self.assignments = assignments
        self.bpffs = bpffs
        self.stateDirectory = stateDirectory
        self.podsFile = podsFile
        self.listen = listen
        self.interval = interval
    }

    /// Checks that exactly one desired source is given and `listen` is `host:port`.
    public func validate() throws {
        switch (dictator, assignments) {
        case (nil, nil): throw AgentError.invalidOptions("give --dictator URL or --assignments FILE")
        case (.some, .some): throw AgentError.invalidOptions("give either --dictator or --assignments, not both")
        case (.some, nil): throw AgentError.invalidOptions("--dictator: the agent protocol is not available in this build yet; use --assignments FILE")
        case (nil, .some): break
        }
        if let listen { _ = try Self.hostPort(listen) }
        if node.isEmpty { throw AgentError.invalidOptions("--node must not be empty") }
    }

    static func hostPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw AgentError.invalidOptions("--listen '\(text)': expected host:port, e.g. 127.0.0.1:9465")
        }
        return (String(text[..<colon]), port)
    }
}

/// `aeolus agent`: the agent loop and its HTTP endpoints as services of one service group,
/// stopped gracefully on SIGTERM or SIGINT (the probes keep running for the next agent).
public enum AgentService {
    /// Runs the agent described by `options` until SIGTERM/SIGINT.
    public static func run(_ options: AgentCommandOptions, logger: Logger = Logger(label: "aeolus.agent")) async throws {
        try options.validate()
        let agent = makeAgent(options, logger: logger)
        let loop = AgentLoop(agent: agent)
        if let listen = options.listen {
            let (host, port) = try AgentCommandOptions.hostPort(listen)
            let app = Application(router: AgentHTTPServer.router(for: agent),
                                  configuration: .init(address: .hostname(host, port: port), serverName: "aeolus-agent"),
                                  services: [loop], logger: logger)
            try await app.runService()
        } else {
            let group = ServiceGroup(configuration: .init(services: [loop], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    /// The agent `options` describe (standalone: assignment file + network-namespace pods).
    public static func makeAgent(_ options: AgentCommandOptions, logger: Logger) -> Agent {
        let configuration = AgentConfiguration(node: options.node, bpffs: options.bpffs,
                                               stateDirectory: options.stateDirectory, interval: options.interval)
        let source = AssignmentFile(path: options.assignments ?? "", node: options.node, logger: logger)
        return Agent(configuration: configuration, desired: source,
                     inventory: NetnsPodInventory(podsFile: options.podsFile), logger: logger)
    }
}

/// The agent loop as a service: graceful shutdown cancels the loop, which releases its handles.
struct AgentLoop: Service {
    let agent: Agent

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await agent.run() }
    }
}
