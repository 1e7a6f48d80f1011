import AeolusModel
import CurlKit
import Crypto
import Foundation
import Logging
import Synchronization

/// The agent's side of the agent API (`AgentAPI`): registration, the assignment watch, objects by
/// digest and state reports, over libcurl with a bearer token.
public struct DictatorClient: Sendable {
    /// The dictator's base URL, e.g. `http://127.0.0.1:9460`.
    public let baseURL: String
    private let identity: Identity
    private let client: HTTPClient
    private let token: Token

    /// Where the bearer token comes from.
    public enum Token: Sendable, Hashable {
        /// This token (nil: no auth).
        case fixed(String?)
        /// The contents of this file, read again before each request (a rotated token is used).
        case file(String)
    }

    /// A client for `baseURL` with `token` (nil: no auth) registering as `registration`.
    /// With `labelsFromNode`, the first registration waits for `setLabels` (see `waitForLabels`).
    public init(baseURL: String, token: String?, registration: AgentRegistration, tls: TLSOptions = TLSOptions(),
                labelsFromNode: Bool = false) {
        self.init(baseURL: baseURL, token: .fixed(token), registration: registration, tls: tls, labelsFromNode: labelsFromNode)
    }

    /// A client for `baseURL` whose bearer token comes from `token`, registering as `registration`.
    public init(baseURL: String, token: Token, registration: AgentRegistration, tls: TLSOptions = TLSOptions(),
                labelsFromNode: Bool = false) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.identity = Identity(registration, labelsKnown: !labelsFromNode)
        self.client = HTTPClient(tls: tls)
        self.token = token
    }

    /// The HTTP client with the current bearer token (a token file that cannot be read: none,
    /// and the dictator's 401 says so).
    private var http: HTTPClient {
        var http = client
        switch token {
        case .fixed(let token): http.bearerToken = token
        case .file(let path):
            http.bearerToken = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return http
    }

    /// What this agent registers as now.
    public var registration: AgentRegistration { identity.state.withLock { $0.registration } }

    private var node: String { registration.node }

    /// Replaces the node's labels (its Node object's, merged with fixed ones by the caller); when
    /// they differ, `labelChanges()` yields and the desired source registers again, so node
    /// selectors follow the node's real labels.
    public func setLabels(_ labels: [String: String]) {
        let changed = identity.state.withLock { state in
            state.labelsKnown = true
            guard state.registration.labels != labels else { return false }
            state.registration.labels = labels
            return true
        }
        if changed { identity.changes.yield() }
    }

    /// Yields after every change of the labels (one consumer: the desired source).
    public func labelChanges() -> AsyncStream<Void> { identity.stream }

    /// The registration, changeable while the agent runs.
    private final class Identity: Sendable {
        struct State {
            var registration: AgentRegistration
            var labelsKnown: Bool
        }
        let state: Mutex<State>
        let stream: AsyncStream<Void>
        let changes: AsyncStream<Void>.Continuation

        init(_ registration: AgentRegistration, labelsKnown: Bool) {
            state = Mutex(State(registration: registration, labelsKnown: labelsKnown))
            (stream, changes) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        }
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = WireDate.encoding
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = WireDate.decoding
        return decoder
    }

    /// Registers the node, saying what already runs on it (`running`, nil: not said); returns
    /// its current assignment.
    ///
    /// Registrations may overlap (the watch's and a relabel's): one the dictator handled after a
    /// newer one would leave it with old labels, so after each answer the labels are compared
    /// with the current ones, and a registration whose labels changed meanwhile is sent again.
    public func register(running: [ProbeState]? = nil) async throws -> NodeAssignment {
        while true {
            var registration = registration
            registration.probes = running
            let body = try Self.encoder().encode(registration)
            let response = try await http.send(HTTPRequest(method: .post, url: baseURL + AgentAPI.agents,
                                                           headers: ["Content-Type": "application/json"],
                                                           body: [UInt8](body), timeout: .seconds(10)))
            try Self.check(response, "register")
            let assignment = try Self.decoder().decode(NodeAssignment.self, from: Data(response.body))
            if self.registration.labels == registration.labels { return assignment }
        }
    }

    /// Waits (up to `timeout`) until the node's labels are known: at once unless the client was
    /// made to take them from the Node object, so that the first registration does not plan the
    /// node with none (and detach what an earlier agent left running).
    public func waitForLabels(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !identity.state.withLock({ $0.labelsKnown }) {
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Watches the node's assignment from `revision` on; each line is a whole assignment.
    public func watch(after revision: Int64) async throws -> AsyncThrowingStream<NodeAssignment, Error> {
        let url = baseURL + AgentAPI.assignment(node: node) + "?watch=1&revision=\(revision)"
        let (head, lines) = try await http.lines(HTTPRequest(url: url, connectTimeout: .seconds(5)))
        guard head.status == 200 else {
            throw AgentError.dictator("watch \(url): HTTP \(head.status)")
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await line in lines where !line.isEmpty {
                        continuation.yield(try Self.decoder().decode(NodeAssignment.self, from: Data(line)))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The schedule of every retry towards the dictator (registration, watch, state reports,
    /// object fetches): full jitter from 200 ms doubling to 5 s, so that the agents of a dictator
    /// that restarted come back spread over the window, not in one instant.
    public static func backoff() -> Backoff { Backoff(base: .milliseconds(200), cap: .seconds(5)) }

    /// Fetches an object by digest (blocking: called on the agent's kernel thread) and checks it.
    /// A transport failure, 429 or 5xx is tried again on the backoff, `attempts` times in all
    /// (a failed fetch fails the probe's load until its assignment changes).
    public func object(digest: String, attempts: Int = 4) throws -> [UInt8] {
        var backoff = Self.backoff()
        var attempt = 1
        func retry() -> Bool {
            guard attempt < attempts else { return false }
            attempt += 1
            let delay = backoff.next().components
            Thread.sleep(forTimeInterval: Double(delay.seconds) + Double(delay.attoseconds) * 1e-18)
            return true
        }
        while true {
            let response: HTTPResponse
            do {
                response = try http.sendBlocking(HTTPRequest(url: baseURL + AgentAPI.object(digest: digest), timeout: .seconds(30)))
            } catch {
                if retry() { continue }
                throw error
            }
            if response.status == 429 || response.status >= 500, retry() { continue }
            try Self.check(response, "fetch object \(digest)")
            let actual = "sha256:" + SHA256.hash(data: response.body).map { String(format: "%02x", $0) }.joined()
            guard actual == digest else {
                throw AgentError.dictator("object \(digest): the dictator sent bytes whose digest is \(actual)")
            }
            return response.body
        }
    }

    /// Reports the node's actual state.
    public func report(_ state: NodeProbeState) async throws {
        let body = try Self.encoder().encode(state)
        let response = try await http.send(HTTPRequest(method: .put, url: baseURL + AgentAPI.state(node: node),
                                                       headers: ["Content-Type": "application/json"],
                                                       body: [UInt8](body), timeout: .seconds(10)))
        try Self.check(response, "report state")
    }

    private static func check(_ response: HTTPResponse, _ what: String) throws {
        guard (200..<300).contains(response.status) else {
            throw AgentError.dictator("\(what): HTTP \(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
    }
}

/// The dictator's watch as the agent's desired source: registers, takes the current assignment,
/// then follows the watch; after a dropped connection it reconnects from the last revision it saw
/// (with backoff), so no change is lost or applied twice.
///
/// Each registration says which probes run (from the agent's `probes.json` in `stateDirectory`),
/// so a dictator that restarted takes back the reactions it had not yet written down.
public struct DictatorDesiredSource: DesiredSource {
    let client: DictatorClient
    let stateDirectory: String?
    let logger: Logger
    /// The delays between failed registrations and watches (reset once registered).
    public var backoff = DictatorClient.backoff()

    /// A source following `client`'s node; `stateDirectory` holds the agent's `probes.json`.
    public init(client: DictatorClient, stateDirectory: String? = nil, logger: Logger) {
        self.client = client
        self.stateDirectory = stateDirectory
        self.logger = logger
    }

    /// What the agent last wrote as running: identity, state, parameters and annotations only.
    func running() -> [ProbeState]? {
        guard let stateDirectory,
              let data = FileManager.default.contents(atPath: stateDirectory + "/" + NodeProbeState.fileName),
              let state = try? NodeProbeState.decode(data) else { return nil }
        return state.probes.map {
            ProbeState(id: $0.id, template: $0.template, digest: $0.digest, state: $0.state, reason: $0.reason,
                       parameters: $0.parameters, annotations: $0.annotations)
        }
    }

    public func assignments() -> AsyncThrowingStream<NodeAssignment, Error> {
        let (stream, continuation) = AsyncThrowingStream<NodeAssignment, Error>.makeStream(bufferingPolicy: .bufferingNewest(4))
        let relabel = Task { [client, logger, self] in
            // New node labels: register again; the dictator re-plans the node and the open watch
            // brings the new assignment.
            for await _ in client.labelChanges() {
                var backoff = self.backoff
                while !Task.isCancelled {
                    do {
                        _ = try await client.register(running: running())
                        logger.info("registered again with the node's new labels", metadata: ["labels": "\(client.registration.labels)"])
                        break
                    } catch {
                        let delay = backoff.next()
                        logger.warning("registration with new labels: \(error); retrying in \(delay)")
                        try? await Task.sleep(for: delay)
                    }
                }
            }
        }
        let task = Task { [client, logger, self] in
            if !(await client.waitForLabels(timeout: .seconds(30))) {
                logger.warning("the node's labels are still unknown after 30 s; registering with the fixed ones")
            }
            var revision: Int64 = -1
            // Jittered, so that agents that lost the same dictator do not come back in one instant.
            var backoff = self.backoff
            while !Task.isCancelled {
                do {
                    let current = try await client.register(running: running())
                    if current.revision > revision {
                        revision = current.revision
                        continuation.yield(current)
                    }
                    backoff.reset()
                    for try await assignment in try await client.watch(after: revision) where assignment.revision > revision {
                        revision = assignment.revision
                        continuation.yield(assignment)
                    }
                } catch is CancellationError {
                    break
                } catch {
                    if Task.isCancelled { break }
                    let delay = backoff.next()
                    logger.warning("dictator watch: \(error); reconnecting in \(delay)")
                    try? await Task.sleep(for: delay)
                    continue
                }
                try? await Task.sleep(for: backoff.next())
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in
            task.cancel()
            relabel.cancel()
        }
        return stream
    }
}

/// Objects fetched from the dictator by digest, kept in `<state-dir>/objects/` so a restarted
/// agent does not fetch them again. Local files (`objectPath`) still work.
public struct DictatorObjectSource: ObjectSource {
    let client: DictatorClient
    let directory: String

    /// A source caching under `directory`.
    public init(client: DictatorClient, directory: String) {
        self.client = client
        self.directory = directory
    }

    public func object(for probe: ProbeAssignment) throws -> [UInt8] {
        if probe.objectPath != nil { return try FileObjectSource().object(for: probe) }
        let path = "\(directory)/\(probe.digest.replacingOccurrences(of: ":", with: "-")).o"
        if let data = FileManager.default.contents(atPath: path) {
            let bytes = [UInt8](data)
            if "sha256:" + SHA256.hash(data: bytes).map({ String(format: "%02x", $0) }).joined() == probe.digest { return bytes }
        }
        let bytes = try client.object(digest: probe.digest)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        return bytes
    }
}
