import AeolusModel
import Logging

/// What an informer tells its handler.
public enum InformerUpdate: Sendable, Equatable {
    /// The full set of objects after a list or a watch event, sorted by key, and the
    /// resourceVersion it reflects.
    case synced(objects: [KubeObject], resourceVersion: String)
    /// A list or watch failed; the informer retries after `retryIn`. The last synced set still
    /// stands: an unreachable server never looks like an empty collection.
    case failed(KubeError, retryIn: Duration)
}

/// Keeps a local cache of one resource collection in step with the API server, as client-go's
/// reflector and informer do: list (the set and its resourceVersion), then watch from that
/// version with bookmarks; a watch that ends resumes from the last version seen (an event's or a
/// bookmark's); a 410 (the version is too old) lists again; any other failure lists again after
/// a backoff. The handler sees the whole set after every change.
public struct Informer: Sendable {
    /// The client.
    public let client: KubeClient
    /// The collection.
    public let resource: KubeResource
    /// Which of its objects (a node's pods, one named object).
    public let selector: KubeSelector
    /// How long the server keeps one watch open; each watch asks for a random time between this
    /// and twice this (client-go's spread, so that watches of many clients do not end together).
    public var watchTimeout: Duration = .seconds(300)
    /// The delays between failed attempts: full jitter from 0.8 s doubling to 30 s (client-go's
    /// reflector's figures).
    public var backoff = Backoff(base: .milliseconds(800), cap: .seconds(30))
    private let logger: Logger

    /// An informer of the objects of `resource` that `selector` selects.
    public init(client: KubeClient, resource: KubeResource, selector: KubeSelector = .everything,
                logger: Logger = Logger(label: "aeolus.kube")) {
        self.client = client
        self.resource = resource
        self.selector = selector
        self.logger = logger
    }

    /// Lists and watches until the task is cancelled, calling `handler` with each full set and
    /// each failure (one call at a time, in order).
    public func run(_ handler: @Sendable (InformerUpdate) async -> Void) async {
        var cache: [String: KubeObject] = [:]
        var version: String?          // nil: list first
        var backoff = self.backoff
        var expiredInARow = 0
        func snapshot() -> [KubeObject] { cache.keys.sorted().map { cache[$0]! } }

        while !Task.isCancelled {
            do {
                if version == nil {
                    let list = try await client.list(resource, selector: selector)
                    cache = Dictionary(list.items.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
                    version = list.resourceVersion
                    logger.debug("listed", metadata: ["resource": "\(resource)", "objects": "\(cache.count)",
                                                     "resourceVersion": "\(list.resourceVersion)"])
                    await handler(.synced(objects: snapshot(), resourceVersion: list.resourceVersion))
                }
                let seconds = Int(watchTimeout.components.seconds)
                let events = try await client.watch(resource, selector: selector, resourceVersion: version!,
                                                    timeoutSeconds: Int.random(in: max(1, seconds)...max(1, 2 * seconds)))
                for try await event in events {
                    switch event {
                    case .added(let object), .modified(let object):
                        cache[object.key] = object
                        version = object.resourceVersion ?? version
                    case .deleted(let object):
                        cache[object.key] = nil
                        version = object.resourceVersion ?? version
                    case .bookmark(let resourceVersion):
                        version = resourceVersion
                    case .error(let status) where status.isExpired:
                        throw Expired(status: status)
                    case .error(let status):
                        throw KubeError.status(status, url: client.config.server + resource.collectionPath)
                    }
                    backoff.reset()
                    expiredInARow = 0
                    if case .bookmark = event { continue }
                    await handler(.synced(objects: snapshot(), resourceVersion: version!))
                }
                // The server closed the watch (its timeout): resume from the last version.
            } catch let expired as Expired {
                // The server no longer has the history from `version` on: list again, at once the
                // first time (the normal case after a long disconnection or compaction), with the
                // backoff if it keeps happening.
                logger.info("watch expired, listing again", metadata: ["resource": "\(resource)", "status": "\(expired.status)"])
                version = nil
                expiredInARow += 1
                if expiredInARow > 1 {
                    let delay = backoff.next()
                    await handler(.failed(.status(expired.status, url: client.config.server + resource.collectionPath), retryIn: delay))
                    try? await Task.sleep(for: delay)
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                let failure = error as? KubeError ?? .protocolViolation("\(error)", url: client.config.server + resource.collectionPath)
                let delay = backoff.next()
                logger.warning("list/watch failed", metadata: ["resource": "\(resource)", "error": "\(failure)",
                                                             "retryIn": "\(delay)"])
                await handler(.failed(failure, retryIn: delay))
                version = nil
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// A watch ended with 410: the resourceVersion is too old.
    private struct Expired: Error {
        let status: KubeStatus
    }
}
