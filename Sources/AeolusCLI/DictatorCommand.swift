import AeolusModel
import ArgumentParser
import Dictator
import Foundation
import GitKit
import KubeKit
import Logging
import ProcessKit
import ServiceKit

/// `aeolus dictator`: the GitOps reconciler (AHD).
struct DictatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dictator", abstract: "Run the dictator (AHD): the GitOps reconciler.",
        discussion: """
        Watches --branch of --repo (every --poll, and at once on POST /hooks/git), checks and compiles each \
        revision, plans probes for the registered agents and serves them the agent API. Status is committed \
        to --status-branch, never to --branch. With --verify-signatures, a revision is applied only when its \
        head commit is SSH-signed by a key of --trusted-keys. With --kubernetes, ProbePolicy custom resources watched on the \
        Kubernetes API join the policies of git (in-cluster service account, or --kubeconfig). With \
        --leader-elect, replicas compete for a coordination.k8s.io Lease: the holder reconciles, the others \
        serve /healthz, /metrics and status and stand by; a leader that loses the Lease exits (code 1).
        """)

    @Option(help: "The config repository URL (https://, ssh://, git://, file://).")
    var repo: String

    @Option(help: "The branch people push to (watched, never written).")
    var branch: String = "main"

    @Option(name: .customLong("status-branch"), help: "The branch the dictator commits status to.")
    var statusBranch: String = "aeolus/status"

    @Option(help: "HOST:PORT to listen on.")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "Time between fetches, e.g. 30s, 1m.")
    var poll: String = "30s"

    @Option(name: .customLong("status-interval"), help: "Minimum time between status commits.")
    var statusInterval: String = "2s"

    @Option(name: .customLong("lost-after"), help: "An agent silent for this long is marked lost.")
    var lostAfter: String = "90s"

    @Option(help: "Time between heartbeat lines on idle watch streams.")
    var heartbeat: String = "\(AgentAPI.heartbeatSeconds)s"

    @Option(help: "Folder for the clone, the object cache and registrations.")
    var workdir: String = "/var/lib/aeolus/dictator"

    @Option(name: .customLong("token-file"), help: "File holding the secret: the admins' bearer token, from which `aeolus token` derives node and collector tokens.")
    var tokenFile: String?

    @Option(name: .customLong("tls-cert"), help: "Serve HTTPS with this certificate chain (PEM, with --tls-key); read again when it changes, as cert-manager rotates it.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "The private key (PEM) of --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("client-ca"), help: "With --tls-cert: require client certificates signed by this CA bundle (PEM).")
    var clientCA: String?

    @Option(name: .customLong("tls-reload-interval"), help: "With --tls-cert: how often the TLS files are checked for a change.")
    var tlsReloadInterval: String = "5s"

    @Option(name: .customLong("webhook-secret-file"), help: "File holding the webhook secret (HMAC / GitLab token).")
    var webhookSecretFile: String?

    @Option(name: .customLong("git-token-file"), help: "https: file holding an access token.")
    var gitTokenFile: String?

    @Option(name: .customLong("git-username"), help: "https: user name (with --git-password-file, or for the token).")
    var gitUsername: String?

    @Option(name: .customLong("git-password-file"), help: "https: file holding the password.")
    var gitPasswordFile: String?

    @Option(name: .customLong("ssh-key"), help: "ssh: private key file.")
    var sshKey: String?

    @Option(name: .customLong("ssh-passphrase-file"), help: "ssh: file holding the key's passphrase.")
    var sshPassphraseFile: String?

    @Option(name: .customLong("known-hosts"), help: "ssh: known_hosts file the server's key must be in.")
    var knownHosts: String?

    @Flag(help: "Also take ProbePolicy custom resources from the Kubernetes API (list + watch).")
    var kubernetes = false

    @Option(help: "With --kubernetes: a kubeconfig file (its current context); default: the pod's service account.")
    var kubeconfig: String?

    @Option(name: .customLong("agent-service-account"), help: "With --kubernetes and --token-file: NAMESPACE:NAME of the agents' service account; an agent's projected token of it (audience aeolus) proves its pod's node through a TokenReview.")
    var agentServiceAccount: String?

    @Option(name: .customLong("kube-namespace"), help: "With --kubernetes: watch ProbePolicies in this namespace only (default: all).")
    var kubeNamespace: String?

    @Flag(name: .customLong("leader-elect"), help: "With --kubernetes: run as one of several replicas; only the holder of a coordination.k8s.io Lease reconciles, the others stand by.")
    var leaderElect = false

    @Option(name: .customLong("leader-election-namespace"), help: "With --leader-elect: the Lease's namespace (default: the pod's namespace, or the kubeconfig context's).")
    var leaderElectionNamespace: String?

    @Option(name: .customLong("leader-election-id"), help: "With --leader-elect: the Lease's name.")
    var leaderElectionID: String = "aeolus-dictator"

    @Option(name: .customLong("max-event-series"), help: "Most event series evaluated at once; at the limit the least recently seen gives way.")
    var maxEventSeries: Int = DictatorBounds().maxEventSeries

    @Option(name: .customLong("event-series-idle"), help: "An event series without a sample for this long is forgotten.")
    var eventSeriesIdle: String = "10m"

    @Option(name: .customLong("forget-nodes-after"), help: "A node lost for this long is forgotten (registration, assignment, status); 0 keeps nodes for ever.")
    var forgetNodesAfter: String = "24h"

    @Option(name: .customLong("max-connections"), help: "Most HTTP connections served at once (default \(HTTPConnectionLimits().maxConnections), lowered to fit the open-file limit); more wait in the listen backlog.")
    var maxConnections: Int?

    @Option(name: .customLong("read-header-timeout"), help: "A connection that has not sent a complete request head this long after opening is closed.")
    var readHeaderTimeout: String = "10s"

    @Option(name: .customLong("read-body-timeout"), help: "A request whose body has not ended this long after its head is closed.")
    var readBodyTimeout: String = "60s"

    @Option(name: .customLong("idle-timeout"), help: "A keep-alive connection idle this long after its last response is closed (a watch is never idle).")
    var idleTimeout: String = "120s"

    @OptionGroup var signatures: SignatureOptions

    @OptionGroup var compiler: CompilerOptions

    @OptionGroup var log: LogOptions

    func validate() throws {
        if statusBranch == branch { throw ValidationError("--status-branch must differ from --branch") }
        _ = try listenAddress()
        for (flag, text) in [("--poll", poll), ("--status-interval", statusInterval), ("--lost-after", lostAfter), ("--heartbeat", heartbeat),
                             ("--event-series-idle", eventSeriesIdle), ("--forget-nodes-after", forgetNodesAfter),
                             ("--read-header-timeout", readHeaderTimeout), ("--read-body-timeout", readBodyTimeout),
                             ("--idle-timeout", idleTimeout), ("--tls-reload-interval", tlsReloadInterval)] {
            _ = try Self.duration(text, flag: flag)
        }
        for (flag, text) in [("--read-header-timeout", readHeaderTimeout), ("--read-body-timeout", readBodyTimeout),
                             ("--idle-timeout", idleTimeout), ("--tls-reload-interval", tlsReloadInterval)]
        where try Self.duration(text, flag: flag) <= .zero {
            throw ValidationError("\(flag) must be longer than 0s")
        }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if clientCA != nil && tlsCert == nil { throw ValidationError("--client-ca needs --tls-cert and --tls-key") }
        if maxEventSeries < 1 { throw ValidationError("--max-event-series must be at least 1") }
        if sshKey != nil && knownHosts == nil { throw ValidationError("--ssh-key needs --known-hosts") }
        if gitPasswordFile != nil && gitUsername == nil { throw ValidationError("--git-password-file needs --git-username") }
        if [gitTokenFile != nil, gitPasswordFile != nil, sshKey != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --git-token-file, --git-password-file, --ssh-key")
        }
        if !kubernetes && (kubeconfig != nil || kubeNamespace != nil) {
            throw ValidationError("--kubeconfig and --kube-namespace need --kubernetes")
        }
        if let agentServiceAccount {
            if !kubernetes || tokenFile == nil { throw ValidationError("--agent-service-account needs --kubernetes and --token-file") }
            _ = try Self.serviceAccount(agentServiceAccount)
        }
        if leaderElect && !kubernetes { throw ValidationError("--leader-elect needs --kubernetes (the Lease lives on its API)") }
        if !leaderElect && leaderElectionNamespace != nil { throw ValidationError("--leader-election-namespace needs --leader-elect") }
    }

    func run() async throws {
        log.bootstrap()
        let logger = Logger(label: "aeolus.dictator")
        try await Daemon.run("dictator", logger: logger) {
            // One socket per watching agent: 10,000 agents need more than the usual 1,024.
            let files = OpenFileLimit.raiseToHardLimit()
            logger.info("open file limit", metadata: ["RLIMIT_NOFILE": "\(files)"])
            let (host, port) = try listenAddress()
            var configuration = DictatorConfiguration(
                remote: GitRemote(url: repo, branch: branch, statusBranch: statusBranch, credentials: try credentials()),
                workdir: workdir)
            configuration.host = host
            configuration.port = port
            configuration.pollInterval = try Self.duration(poll, flag: "--poll")
            configuration.statusInterval = try Self.duration(statusInterval, flag: "--status-interval")
            configuration.lostAfter = try Self.duration(lostAfter, flag: "--lost-after")
            configuration.heartbeat = try Self.duration(heartbeat, flag: "--heartbeat")
            configuration.connections = HTTPConnectionLimits(
                requestHeader: try Self.duration(readHeaderTimeout, flag: "--read-header-timeout"),
                requestBody: try Self.duration(readBodyTimeout, flag: "--read-body-timeout"),
                idle: try Self.duration(idleTimeout, flag: "--idle-timeout"),
                maxConnections: maxConnections ?? HTTPConnectionLimits().maxConnections)
            let served = configuration.connections.effectiveMaxConnections(openFileLimit: Int(exactly: files))
            if let maxConnections, served < maxConnections {
                logger.warning("fewer connections than --max-connections: the open-file limit is lower", metadata: [
                    "served": "\(served)", "RLIMIT_NOFILE": "\(files)"])
            }
            configuration.bounds.maxEventSeries = maxEventSeries
            configuration.bounds.eventSeriesIdle = try Self.duration(eventSeriesIdle, flag: "--event-series-idle")
            let forget = try Self.duration(forgetNodesAfter, flag: "--forget-nodes-after")
            configuration.bounds.forgetNodesAfter = forget == .zero ? nil : forget
            configuration.token = try tokenFile.map { try Daemon.secret($0, purpose: "--token-file") }
            if let tlsCert, let tlsKey {
                var tls = TLSServerConfiguration(certificateFile: tlsCert, keyFile: tlsKey, clientCAFile: clientCA)
                tls.reloadInterval = try Self.duration(tlsReloadInterval, flag: "--tls-reload-interval")
                configuration.tls = tls
            }
            configuration.webhookSecret = try webhookSecretFile.map { try Daemon.secret($0, purpose: "--webhook-secret-file") }
            configuration.commitVerifier = try signatures.verifier(logger: logger)
            let (confinement, message) = try compiler.confinement()
            if confinement == .unconfined { logger.warning("\(message)") } else { logger.info("\(message)") }
            configuration.compilerConfinement = confinement
            if kubernetes {
                configuration.kubernetes = try kubeconfig.map { try KubeConfig.load(kubeconfig: $0) } ?? KubeConfig.inCluster()
                configuration.kubeNamespace = kubeNamespace
                configuration.agentServiceAccount = try agentServiceAccount.map(Self.serviceAccount)
                if leaderElect, let kube = configuration.kubernetes {
                    guard let namespace = leaderElectionNamespace ?? kube.namespace else {
                        throw ValidationError("--leader-election-namespace is needed: the configuration names no namespace")
                    }
                    configuration.leaderElection = LeaderElectionConfiguration(
                        namespace: namespace, name: leaderElectionID, identity: LeaderElectionConfiguration.defaultIdentity())
                }
            }
            let dictator = try await Dictator(configuration: configuration, logger: logger)
            try await dictator.run { port in
                logger.notice("listening", metadata: ["address": "\(host):\(port)", "scheme": "\(tlsCert == nil ? "http" : "https")",
                                                      "repo": "\(repo)", "branch": "\(branch)"])
            }
        }
    }

    func listenAddress() throws -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    func credentials() throws -> Credentials {
        if let gitTokenFile { return .token(try Daemon.secret(gitTokenFile, purpose: "--git-token-file"), username: gitUsername) }
        if let gitPasswordFile, let gitUsername {
            return .userPassword(username: gitUsername, password: try Daemon.secret(gitPasswordFile, purpose: "--git-password-file"))
        }
        if let sshKey, let knownHosts {
            return .sshKey(privateKey: sshKey, publicKey: nil,
                           passphrase: try sshPassphraseFile.map { try Daemon.secret($0, purpose: "--ssh-passphrase-file") },
                           knownHosts: knownHosts)
        }
        return .none
    }

    /// `NAMESPACE:NAME` of a service account.
    static func serviceAccount(_ text: String) throws -> (namespace: String, name: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("--agent-service-account must be NAMESPACE:NAME, e.g. aeolus-system:aeolus-node")
        }
        return (String(parts[0]), String(parts[1]))
    }

    static func duration(_ text: String, flag: String) throws -> Duration {
        do {
            let span = try TimeSpan(parsing: text)
            return .nanoseconds(Int64(span.nanoseconds))
        } catch {
            throw ValidationError("\(flag): \(error.message)")
        }
    }
}
