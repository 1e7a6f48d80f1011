import AeolusModel
import CommitVerification
import Compiler
import Foundation
import GitKit
import Hummingbird
import KubeKit
import Logging
import ProcessKit
import ServiceLifecycle
import ServiceKit

/// How a dictator runs: the repository, where it listens, its timings and secrets.
public struct DictatorConfiguration: Sendable {
    /// The config repository and its branches.
    public var remote: GitRemote
    /// Host to listen on.
    public var host: String = "127.0.0.1"
    /// Port to listen on (0: any free port).
    public var port: Int = 8080
    /// Time between fetches (webhooks fetch at once).
    public var pollInterval: Duration = .seconds(30)
    /// Minimum time between status commits.
    public var statusInterval: Duration = .seconds(2)
    /// An agent silent for this long is marked lost.
    public var lostAfter: Duration = .seconds(90)
    /// Time between heartbeat lines on idle watches.
    public var heartbeat: Duration = .seconds(AgentAPI.heartbeatSeconds)
    /// Connections waiting to be accepted (all agents reconnect at once after a restart; the
    /// kernel caps it at `net.core.somaxconn`).
    public var backlog = 4096
    /// Deadlines on slow and idle connections and the cap on connections served at once.
    public var connections = HTTPConnectionLimits()
    /// The folder holding the bare clone and the registrations.
    public var workdir: String
    /// The dictator's secret: the admins' bearer token, from which node and collector tokens are
    /// derived (`APIAuthorizer`); nil: no auth.
    public var token: String?
    /// The webhook secret; nil accepts unsigned webhooks.
    public var webhookSecret: String?
    /// The compiled-object cache folder (nil: `<workdir>/objects`).
    public var cacheDirectory: String?
    /// How clang runs (Landlock through the `aeolus` binary unless `--unconfined-compiler`).
    public var compilerConfinement: CompilerConfinement = .automatic
    /// The Kubernetes API to watch ProbePolicy resources on; nil: git is the only policy source.
    public var kubernetes: KubeConfig?
    /// The agents' service account (`namespace`, `name`) whose projected tokens (audience `aeolus`)
    /// prove their pod's node through a TokenReview on `kubernetes`; nil: no TokenReview.
    public var agentServiceAccount: (namespace: String, name: String)?
    /// The namespace whose ProbePolicies are watched; nil: every namespace.
    public var kubeNamespace: String?
    /// Leader election on a Lease of `kubernetes` (ignored without it); nil: this dictator always leads. A stand-by
    /// serves /healthz, /metrics and status but neither reconciles nor writes until it leads.
    public var leaderElection: LeaderElectionConfiguration?
    /// How much is remembered of series, cooldowns, ended reactions and lost nodes.
    public var bounds = DictatorBounds()
    /// Signed commits: a head commit this verifier refuses is not applied; nil applies every revision.
    public var commitVerifier: CommitVerifier?
    /// Serve HTTPS with these files (reloaded when they change); nil: plain HTTP.
    public var tls: TLSServerConfiguration?

    /// A configuration with defaults.
    public init(remote: GitRemote, workdir: String) {
        self.remote = remote
        self.workdir = workdir
    }
}

/// The dictator: the git source, the state and planner, the agent API server, the status writer
/// and housekeeping (heartbeats, lost agents), run as services with graceful shutdown.
public struct Dictator: Sendable {
    /// The configuration.
    public let configuration: DictatorConfiguration
    /// The state.
    public let state: DictatorState
    /// The git source.
    public let gitSource: GitSource
    /// The status writer.
    public let statusWriter: StatusWriter
    /// The ProbePolicy custom-resource source, when a Kubernetes API is configured.
    public let kubeSource: KubeSource?
    /// The TLS identity served, when `configuration.tls` is set.
    public let tls: ReloadingTLSContext?
    private let logger: Logger

    /// Prepares a dictator: clones (or opens) the repository under the workdir. Throws when the
    /// repository cannot be reached or clang is missing.
    public init(configuration: DictatorConfiguration, logger: Logger = Logger(label: "aeolus.dictator")) async throws {
        // The TLS files first: a missing or broken one stops the dictator before it clones.
        if let files = configuration.tls {
            tls = try await DedicatedThread.run("aeolus-tls-load") { try ReloadingTLSContext(configuration: files) }
        } else {
            tls = nil
        }
        do {
            try await DedicatedThread.run("aeolus workdir") {
                try FileManager.default.createDirectory(atPath: configuration.workdir, withIntermediateDirectories: true)
            }
        } catch {
            throw FileAccessError(purpose: "workdir", path: configuration.workdir, cause: error)
        }
        self.configuration = configuration
        self.logger = logger
        let repository = try await configuration.remote.openClone(at: configuration.workdir + "/repository.git")
        // The object cache and the saved registrations: files, read once, off the pool.
        let (compiler, state) = try await DedicatedThread.run("aeolus load state") { () throws -> (RepositoryCompiler, DictatorState) in
            let cache = try ObjectCache(directory: configuration.cacheDirectory ?? configuration.workdir + "/objects")
            let compiler = RepositoryCompiler(compiler: BPFCompiler(clang: try Clang.locate(), cache: cache,
                                                                     confinement: configuration.compilerConfinement))
            return (compiler, DictatorState(branch: configuration.remote.branch, registrationsFile: configuration.workdir + "/agents.json",
                                            bounds: configuration.bounds, logger: logger))
        }
        self.state = state
        if let kubernetes = configuration.kubernetes {
            kubeSource = KubeSource(config: kubernetes, namespace: configuration.kubeNamespace, state: state, logger: logger)
        } else {
            kubeSource = nil
        }
        statusWriter = try StatusWriter(remote: configuration.remote, repository: repository, state: state,
                                        interval: configuration.statusInterval, logger: logger)
        let recorded = await statusWriter.recorded()
        let lastApplied = configuration.commitVerifier == nil ? nil : recorded.revision
        // The last good objects: a file, read once, off the pool.
        gitSource = await DedicatedThread.run("aeolus load last good") {
            GitSource(remote: configuration.remote, repository: repository, compiler: compiler, state: state,
                      pollInterval: configuration.pollInterval, lastGoodFile: configuration.workdir + "/last-good.json",
                      verifier: configuration.commitVerifier, lastApplied: lastApplied, logger: logger)
        }
        if configuration.leaderElection != nil { await state.setLeader(false) }
        // What the last status commit knew of the nodes stands until their agents report again.
        let nodes = recorded.nodes
        if !nodes.isEmpty {
            await state.restore(nodes: nodes)
            logger.info("restored node status from the status branch", metadata: ["nodes": "\(nodes.count)"])
        }
        // Reactions that were active when an earlier run stopped carry on until their TTL.
        let reactions = recorded.reactions
        if !reactions.isEmpty {
            await state.restoreReactions(reactions)
            logger.info("restored reactions from the status branch", metadata: [
                "active": "\(reactions.filter { $0.outcome == .active }.count)", "recorded": "\(reactions.count)"])
        }
    }

    /// The HTTP application (`onRunning` gets the bound port).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let source = gitSource
        let reviewer = configuration.kubernetes.flatMap { kube in
            configuration.agentServiceAccount.map {
                KubeTokenReviewer(client: KubeClient(config: kube), serviceAccountNamespace: $0.namespace, serviceAccount: $0.name)
            }
        }
        let server = DictatorServer(state: state, token: configuration.token, tokenReviewer: reviewer,
                                    webhook: WebhookVerifier(secret: configuration.webhookSecret),
                                    branch: configuration.remote.branch, onPush: { source.trigger() })
        let connections = configuration.connections
        return Application(router: server.router(),
                           server: .http1(configuration: connections.http1Configuration, tls: tls),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "aeolus-dictator", backlog: configuration.backlog,
                                                availableConnectionsDelegate: connections.availableConnections(
                                                    openFileLimit: Int(exactly: OpenFileLimit.current))),
                           services: tls.map { [TLSReloader(context: $0, logger: logger)] } ?? [],
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }

    /// Every service, in start order; graceful shutdown runs in reverse: watches close first,
    /// then the last status is written, then the server stops. The services after the HTTP
    /// server start only once it listens (a port that cannot be bound stops the dictator before
    /// anything is fetched or reconciled). With leader election, they run only while this
    /// dictator holds the Lease.
    public func services(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> [any Service] {
        let gate = ListenGate()
        let server = application { port in
            gate.open(port: port)
            await onRunning(port)
        }
        let leading: [any Service] = [gitSource] + (kubeSource.map { [$0] } ?? []) + [statusWriter,
            Housekeeping(state: state, heartbeat: configuration.heartbeat, lostAfter: configuration.lostAfter),
            ReactionClock(state: state)]
        guard let election = configuration.leaderElection, let kubernetes = configuration.kubernetes else {
            return [server] + leading.map(gate.after)
        }
        let elector = LeaderElector(client: KubeClient(config: kubernetes), configuration: election, logger: logger)
        return [server, gate.after(LeaderService(elector: elector, state: state, services: leading, logger: logger))]
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully. Throws `ListenError` when the
    /// server cannot listen.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let listening = ListenGate()
        let group = ServiceGroup(configuration: .init(services: services { port in
                                                          listening.open(port: port)
                                                          await onRunning(port)
                                                      },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch where listening.port == nil && !(error is LeadershipLost) {
            throw ListenError(address: "\(configuration.host):\(configuration.port)", cause: error)
        }
    }
}

/// Heartbeats on idle watches, lost-agent detection and expiry of idle state (event series,
/// cooldowns, long-lost nodes); on graceful shutdown it closes every watch
/// (so the HTTP server can drain).
struct Housekeeping: Service {
    let state: DictatorState
    let heartbeat: Duration
    let lostAfter: Duration

    func run() async throws {
        let wakeup = Wakeup()
        await withGracefulShutdownHandler {
            while !(await wakeup.isStopped) {
                await wakeup.wait(upTo: heartbeat)
                await state.heartbeat()
                await state.markLost(timeout: lostAfter)
                await state.expireIdle()
            }
        } onGracefulShutdown: {
            Task { await wakeup.stop() }
        }
        await state.closeWatches()
    }
}

/// Ends reactions whose TTL ran out, twice a second.
struct ReactionClock: Service {
    let state: DictatorState

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await state.expireReactions()
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// Leadership was lost while leading: the dictator stops (and restarts as a stand-by).
public struct LeadershipLost: Error, CustomStringConvertible {
    /// The Lease.
    public let lease: String
    /// The error as one line.
    public var description: String {
        "lost the leader-election lease \(lease): stopping so that this dictator restarts as a stand-by"
    }
}

/// Stands by until the Lease is acquired, then runs `services` (their own group) while renewing
/// it. On graceful shutdown the services stop and the Lease is released, so that a stand-by takes
/// over at once; when renewal fails the services are cancelled and `LeadershipLost` is thrown.
struct LeaderService: Service {
    let elector: LeaderElector
    let state: DictatorState
    let services: [any Service]
    let logger: Logger

    func run() async throws {
        let lease = "\(elector.configuration.namespace)/\(elector.configuration.name)"
        do {
            try await cancelWhenGracefulShutdown { try await elector.acquire() }
        } catch {
            return  // stopped while standing by
        }
        if Task.isShuttingDownGracefully {
            await release()
            return
        }
        await state.setLeader(true)
        logger.notice("leading: reconciling", metadata: ["lease": "\(lease)", "identity": "\(elector.configuration.identity)"])
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        let lost: Bool
        do {
            lost = try await withThrowingTaskGroup(of: Bool.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return false
                }
                tasks.addTask {
                    await elector.renewUntilLost()
                    return !Task.isCancelled
                }
                let first = try await tasks.next() ?? false
                tasks.cancelAll()
                return first
            }
        } catch {
            await state.setLeader(false)
            await release()
            throw error
        }
        await state.setLeader(false)
        if lost { throw LeadershipLost(lease: lease) }
        await release()
    }

    private func release() async {
        do {
            try await elector.release()
        } catch {
            logger.warning("cannot release the lease: \(error)")
        }
    }
}
