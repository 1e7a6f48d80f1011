import AeolusModel
import Foundation
import KubeKit
import Logging
import ServiceLifecycle

/// ProbePolicy custom resources as a source of desired policies: an informer lists and watches
/// them on the Kubernetes API and every change replaces the source `kubernetes` in the state.
/// An object that does not decode is skipped and reported (status problems, logs, its own
/// status) while the others apply; while the API is unreachable the last set stands. Each
/// resource's status (observedGeneration, condition Ready) is written through the status
/// subresource.
public final class KubeSource: DesiredSource, Sendable {
    /// The source name of custom-resource policies.
    public static let source = "kubernetes"
    public let name = KubeSource.source
    /// The collection watched (one namespace or all).
    public let resource: KubeResource
    /// Time between status checks.
    public let statusInterval: Duration
    let informer: Informer
    let client: KubeClient
    let state: DictatorState
    let book = PolicyResourceBook()
    let logger: Logger

    /// A source watching ProbePolicies in `namespace` (nil: every namespace) of the cluster of `config`.
    public init(config: KubeConfig, namespace: String?, state: DictatorState, statusInterval: Duration = .seconds(2),
                logger: Logger) {
        client = KubeClient(config: config)
        resource = .probePolicies(namespace: namespace)
        informer = Informer(client: client, resource: resource, logger: logger)
        self.state = state
        self.statusInterval = statusInterval
        self.logger = logger
    }

    /// Lists, watches and writes statuses until graceful shutdown.
    public func run() async throws {
        logger.info("watching ProbePolicy resources", metadata: ["server": "\(client.config.server)", "resource": "\(resource)"])
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.informer.run { await self.apply($0) } }
                group.addTask { await self.writeStatuses() }
                await group.waitForAll()
            }
        }
    }

    /// Applies one informer update to the state.
    func apply(_ update: InformerUpdate) async {
        switch update {
        case .synced(let objects, _):
            let decoded = Self.decode(objects)
            for (key, message) in decoded.problems.sorted(by: { $0.key < $1.key }) where await book.noteProblem(key, message) {
                logger.error("ProbePolicy skipped", metadata: ["policy": "\(key)", "error": "\(message)"])
            }
            await book.replace(objects: objects, problems: decoded.problems)
            await state.setPolicies(decoded.policies, source: name, problems: decoded.problems)
        case .failed(let error, let retryIn):
            // The policies stay as last synced: an unreachable API must not remove probes.
            logger.warning("Kubernetes API unavailable, keeping the last ProbePolicy set",
                           metadata: ["error": "\(error)", "retryIn": "\(retryIn)"])
        }
    }

    /// Decodes custom resources with the same checks as policy files in git; the ones that fail
    /// become problems keyed by their probe id (`crd/<namespace>/<name>`), naming the field.
    static func decode(_ objects: [KubeObject]) -> (policies: [ProbePolicy], problems: [String: String]) {
        var policies: [ProbePolicy] = [], problems: [String: String] = [:]
        for object in objects where !object.isBeingDeleted {
            let key = "crd/\(object.namespace ?? "default")/\(object.name)"
            // The fields a ProbePolicy document has; server-set metadata (uid, managedFields, ...)
            // and the status (written by the dictator) are not part of the policy.
            var metadata: [String: JSONValue] = ["name": .string(object.name)]
            for field in ["namespace", "generation", "labels", "annotations"] {
                if let value = object.json["metadata"]?[field] { metadata[field] = value }
            }
            var document: [String: JSONValue] = ["metadata": .object(metadata)]
            for field in ["apiVersion", "kind", "spec"] { document[field] = object.json[field] }
            let file = "ProbePolicy \(object.key)"
            let (documents, diagnostics) = ProbePolicy.decodeAll(yaml: Data(JSONValue.object(document).encoded(pretty: true)), file: file)
            if let policy = documents.first?.value, !diagnostics.hasErrors {
                policies.append(policy)
            } else {
                problems[key] = "ProbePolicy \(object.key): " + diagnostics.errors.map { error in
                    (error.path.isEmpty ? "" : "\(error.path): ") + error.message
                }.joined(separator: "; ")
            }
        }
        return (policies, problems)
    }
}

/// What the source knows of the resources: the latest objects, their problems, the problems
/// already logged and the statuses written.
actor PolicyResourceBook {
    private(set) var objects: [KubeObject] = []
    private(set) var problems: [String: String] = [:]
    private var logged: [String: String] = [:]
    /// The status last written per object key (to patch only on change).
    var written: [String: JSONValue] = [:]
    /// The last status-write error logged.
    var lastWriteError: String?

    func replace(objects: [KubeObject], problems: [String: String]) {
        self.objects = objects
        self.problems = problems
        logged = logged.filter { problems[$0.key] != nil }
    }

    /// True when `message` is new for `key` (log it once, not on every resync).
    func noteProblem(_ key: String, _ message: String) -> Bool {
        defer { logged[key] = message }
        return logged[key] != message
    }

    func recordWritten(_ key: String, _ status: JSONValue) { written[key] = status }

    /// True when `error` differs from the last one logged.
    func noteWriteError(_ error: String?) -> Bool {
        defer { lastWriteError = error }
        return error != nil && error != lastWriteError
    }
}
