import AeolusModel
import CurlKit
import Foundation
import Hummingbird
import KubeKit
import Logging
import ServiceKit
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
    /// Where the node's pods come from.
    public var pods: PodSource
    /// With `.kubernetes`: a kubeconfig file (nil: the pod's service account).
    public var kubeconfig: String?
    /// With `.kubernetes`: the folders of network namespace files pods are looked for in.
    public var netnsDirectories: [String]
    /// Where container runtimes and CNI plugins mount pods' namespaces.
    public static let defaultNetnsDirectories = ["/run/netns", "/var/run/netns"]
    /// `host:port` of `/metrics` and `/healthz`; nil serves nothing.
    public var listen: String?
    /// The reconcile interval.
    public var interval: Duration
    /// The bearer token for the dictator, if it wants one.
    public var token: String?
    /// A file holding the bearer token, read again before each request (a projected
    /// service-account token that the kubelet rotates); wins over `token`.
    public var tokenFile: String?
    /// The node's labels, registered with the dictator (policies' node selectors match them).
    public var labels: [String: String]
    /// How the dictator's HTTPS certificate is checked (`--ca`) and the agent's client
    /// certificate (`--client-cert`, `--client-key`) for a dictator that requires one.
    public var tls = TLSOptions()

    /// Where an agent learns its node's pods.
    public enum PodSource: Sendable, Hashable {
        /// Every named network namespace (`/run/netns/NAME`) is a pod.
        case netns
        /// The entries of a pods file.
        case file(String)
        /// The node's pods from the Kubernetes API, and the node's labels from its Node object.
        case kubernetes

        /// `kubernetes`, `netns`, or the path of a pods file.
        public init(argument: String) {
            switch argument {
            case "kubernetes": self = .kubernetes
            case "netns": self = .netns
            default: self = .file(argument)
            }
        }
    }

    /// Creates options.
    public init(node: String, dictator: String? = nil, assignments: String? = nil, bpffs: String = "/sys/fs/bpf",
                stateDirectory: String = "/var/lib/aeolus/agent", pods: PodSource = .netns, kubeconfig: String? = nil,
                netnsDirectories: [String] = AgentCommandOptions.defaultNetnsDirectories,
                listen: String? = "127.0.0.1:9465", interval: Duration = .seconds(1), token: String? = nil,
                labels: [String: String] = [:]) {
        self.node = node
        self.dictator = dictator
        self.assignments = assignments
        self.bpffs = bpffs
        self.stateDirectory = stateDirectory
        self.pods = pods
        self.kubeconfig = kubeconfig
        self.netnsDirectories = netnsDirectories
        self.listen = listen
        self.interval = interval
        self.token = token
        self.labels = labels
    }

    /// Checks that exactly one desired source is given and `listen` is `host:port`.
    public func validate() throws {
        switch (dictator, assignments) {
        case (nil, nil): throw AgentError.invalidOptions("give --dictator URL or --assignments FILE")
        case (.some, .some): throw AgentError.invalidOptions("give either --dictator or --assignments, not both")
        case (.some(let url), nil):
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw AgentError.invalidOptions("--dictator '\(url)': expected an http:// or https:// URL")
            }
        case (nil, .some): break
        }
        if let listen { _ = try Self.hostPort(listen) }
        if node.isEmpty { throw AgentError.invalidOptions("--node (or NODE_NAME) must not be empty") }
        if let problem = KubernetesNames.subdomainProblem(node) {
            throw AgentError.invalidOptions("--node \(KubernetesNames.quoted(node)) is not a valid node name: it \(problem)")
        }
        if let problem = KubernetesNames.labelsProblem(labels) { throw AgentError.invalidOptions("--label: \(problem)") }
        if kubeconfig != nil && pods != .kubernetes { throw AgentError.invalidOptions("--kubeconfig needs --pods kubernetes") }
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
        let kube = try options.pods == .kubernetes ? KubeClient(config: kubeConfig(options)) : nil
        let client = dictatorClient(options)
        let agent = makeAgent(options, client: client, kube: kube, logger: logger)
        var services: [any Service] = [AgentLoop(agent: agent)]
        if let client {
            services.append(StateReporter(agent: agent, client: client, logger: logger))
            if let kube {
                services.append(NodeLabelFollower(labels: KubernetesNodeLabels(client: kube, node: options.node, logger: logger),
                                                  fixed: options.labels, client: client))
            }
        }
        if let listen = options.listen {
            // The loop, reports and label follower start once the server listens: a port that
            // cannot be bound stops the agent before it registers or touches a probe.
            let (host, port) = try AgentCommandOptions.hostPort(listen)
            let gate = ListenGate()
            let limits = HTTPConnectionLimits.nodeEndpoint
            let app = Application(router: AgentHTTPServer.router(for: agent), server: limits.http1,
                                  configuration: .init(address: .hostname(host, port: port), serverName: "aeolus-agent",
                                                       availableConnectionsDelegate: limits.availableConnections(openFileLimit: nil)),
                                  services: services.map(gate.after),
                                  onServerRunning: { channel in gate.open(port: channel.localAddress?.port ?? port) },
                                  logger: logger)
            do {
                try await app.runService()
            } catch where gate.port == nil {
                throw ListenError(address: listen, cause: error)
            }
        } else {
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    /// The Kubernetes API configuration: `--kubeconfig`, or the pod's service account.
    static func kubeConfig(_ options: AgentCommandOptions) throws -> KubeConfig {
        try options.kubeconfig.map { try KubeConfig.load(kubeconfig: $0) } ?? KubeConfig.inCluster()
    }

    /// The agent `options` describe: the dictator's watch (through `client`), or an assignment
    /// file; pods from the Kubernetes API (through `kube`), a pods file or the named namespaces.
    public static func makeAgent(_ options: AgentCommandOptions, client: DictatorClient? = nil, kube: KubeClient? = nil,
                                 logger: Logger) -> Agent {
        let configuration = AgentConfiguration(node: options.node, bpffs: options.bpffs,
                                               stateDirectory: options.stateDirectory, interval: options.interval)
        let inventory: any PodInventory
        switch options.pods {
        case .netns: inventory = NetnsPodInventory()
        case .file(let path): inventory = NetnsPodInventory(podsFile: path)
        case .kubernetes:
            if let kube {
                inventory = KubernetesPodInventory(client: kube, node: options.node, netnsDirectories: options.netnsDirectories,
                                                   logger: logger)
            } else {
                inventory = NetnsPodInventory()
            }
        }
        if let client = client ?? dictatorClient(options) {
            return Agent(configuration: configuration, desired: DictatorDesiredSource(client: client, stateDirectory: options.stateDirectory,
                                                                                      logger: logger),
                         inventory: inventory,
                         objects: DictatorObjectSource(client: client, directory: options.stateDirectory + "/objects"),
                         logger: logger)
        }
        let source = AssignmentFile(path: options.assignments ?? "", node: options.node, logger: logger)
        return Agent(configuration: configuration, desired: source, inventory: inventory, logger: logger)
    }

    /// The dictator client when `options` name a dictator.
    static func dictatorClient(_ options: AgentCommandOptions) -> DictatorClient? {
        guard let url = options.dictator else { return nil }
        let registration = AgentRegistration(node: options.node, labels: options.labels,
                                             kernelVersion: KernelInfo.release, hooks: Hook.supported)
        return DictatorClient(baseURL: url, token: options.tokenFile.map { .file($0) } ?? .fixed(options.token), registration: registration,
                              tls: options.tls, labelsFromNode: options.pods == .kubernetes)
    }
}

/// Reports the agent's actual state to the dictator: at once when a probe changes (its state,
/// attachments, maps; run-time statistics alone do not count), and every 10 s anyway, with fresh
/// statistics, so that the dictator can tell a live agent from a lost one. A node whose probes run
/// all the time would otherwise report on every pass. A failed report is tried again on the
/// dictator client's backoff (`DictatorClient.backoff()`), not on every pass.
struct StateReporter: Service {
    let agent: Agent
    let client: DictatorClient
    let logger: Logger

    func run() async throws {
        var last: NodeProbeState?
        var lastSent = ContinuousClock.now
        var backoff = DictatorClient.backoff()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let state = agent.state {
                let changed = last.map { $0.probes.map(\.withoutStats) != state.probes.map(\.withoutStats) } ?? true
                if changed || ContinuousClock.now - lastSent > .seconds(10) {
                    do {
                        try await client.report(state)
                        last = state
                        lastSent = .now
                        backoff.reset()
                    } catch {
                        let delay = backoff.next()
                        logger.warning("state report: \(error); retrying in \(delay)")
                        try? await Task.sleep(for: delay)
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// Keeps the dictator registration's labels equal to the node's own (its Node object's labels,
/// with `--label` values on top): a change registers again, so `selector.nodes` follows them.
struct NodeLabelFollower: Service {
    let labels: KubernetesNodeLabels
    let fixed: [String: String]
    let client: DictatorClient

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await labels.run { [fixed, client] labels in
                client.setLabels(labels.merging(fixed) { _, flag in flag })
            }
        }
    }
}

/// Facts about the running kernel.
enum KernelInfo {
    /// `uname -r`.
    static var release: String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// The agent loop as a service: graceful shutdown cancels the loop, which releases its handles.
struct AgentLoop: Service {
    let agent: Agent

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await agent.run() }
    }
}
