import CurlKit
import Foundation

/// A list of objects and the resourceVersion to watch from (`kind: <Kind>List`).
public struct KubeObjectList: Sendable, Hashable {
    /// The objects, in the server's order.
    public var items: [KubeObject]
    /// The collection's resourceVersion at the time of the list: a watch from it misses nothing.
    public var resourceVersion: String
}

/// One event of a watch stream.
public enum KubeWatchEvent: Sendable, Hashable {
    /// An object was created (or existed when a watch from resourceVersion "0" began).
    case added(KubeObject)
    /// An object changed.
    case modified(KubeObject)
    /// An object was deleted (its last state).
    case deleted(KubeObject)
    /// Nothing changed for the client, but the collection reached this resourceVersion: a later
    /// watch may start from it (`allowWatchBookmarks`).
    case bookmark(resourceVersion: String)
    /// The server ended the watch with a `Status` (410 when the resourceVersion is too old).
    case error(KubeStatus)
}

/// A client of the Kubernetes API over libcurl (CurlKit): list, watch, get and the status
/// subresource of one kind of resource, JSON in and out.
public struct KubeClient: Sendable {
    /// Where the server is and how to authenticate.
    public let config: KubeConfig
    private let http: HTTPClient
    /// The limit for a request that is not a watch.
    public var requestTimeout: Duration = .seconds(30)
    /// How long a connection may take (TCP and TLS).
    public var connectTimeout: Duration = .seconds(10)

    /// A client for the server of `config`.
    public init(config: KubeConfig) {
        self.config = config
        http = HTTPClient(tls: config.tls, defaultHeaders: ["Accept": "application/json", "User-Agent": "aeolus"])
    }

    /// Lists the collection (every page when the server pages) and returns the objects with the
    /// list's resourceVersion. With no `resourceVersion` the read is consistent (the latest state).
    public func list(_ resource: KubeResource, selector: KubeSelector = .everything, resourceVersion: String? = nil,
                     limit: Int = 500) async throws(KubeError) -> KubeObjectList {
        var items: [KubeObject] = []
        var continueToken: String?
        var listVersion = ""
        repeat {
            var query = selector.query.merging(["limit": String(limit)]) { _, new in new }
            if let continueToken { query["continue"] = continueToken }
            else if let resourceVersion { query["resourceVersion"] = resourceVersion }
            let url = self.url(resource.collectionPath, query: query)
            let json = try await send(.get, url: url)
            guard let page = json["items"]?.array ?? (json["items"] == .null || json["items"] == nil ? [] : nil) else {
                throw .protocolViolation("the list has no items array", url: url)
            }
            items += page.map(KubeObject.init(json:))
            listVersion = json["metadata"]?["resourceVersion"]?.string ?? ""
            continueToken = json["metadata"]?["continue"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        } while continueToken != nil
        guard !listVersion.isEmpty else {
            throw .protocolViolation("the list has no metadata.resourceVersion", url: url(resource.collectionPath, query: [:]))
        }
        return KubeObjectList(items: items, resourceVersion: listVersion)
    }

    /// Reads one object; nil when it does not exist.
    public func get(_ resource: KubeResource, name: String, namespace: String? = nil) async throws(KubeError) -> KubeObject? {
        do {
            return KubeObject(json: try await send(.get, url: url(resource.objectPath(name: name, namespace: namespace), query: [:])))
        } catch .status(let status, _) where status.code == 404 {
            return nil
        }
    }

    /// Creates `object` in the collection (`POST`); returns it as stored. An existing object of
    /// the same name fails with a 409 `AlreadyExists` status.
    @discardableResult
    public func create(_ resource: KubeResource, namespace: String? = nil, object: JSONValue) async throws(KubeError) -> KubeObject {
        let url = url(resource.inNamespace(namespace ?? resource.namespace).collectionPath, query: [:])
        return KubeObject(json: try await send(.post, url: url, body: object.encoded(), contentType: "application/json"))
    }

    /// Replaces an object (`PUT`); returns it as stored. When `object` carries a
    /// `metadata.resourceVersion` that is no longer current the server refuses with a 409
    /// `Conflict` status (optimistic concurrency).
    @discardableResult
    public func replace(_ resource: KubeResource, name: String, namespace: String? = nil,
                        object: JSONValue) async throws(KubeError) -> KubeObject {
        let url = url(resource.objectPath(name: name, namespace: namespace), query: [:])
        return KubeObject(json: try await send(.put, url: url, body: object.encoded(), contentType: "application/json"))
    }

    /// Merges `patch` into the object's `status` through the status subresource
    /// (`PATCH .../<name>/status`, `application/merge-patch+json`): the spec and the generation are
    /// untouched. Returns the object as stored.
    @discardableResult
    public func patchStatus(_ resource: KubeResource, name: String, namespace: String? = nil,
                            status: JSONValue) async throws(KubeError) -> KubeObject {
        let url = url(resource.objectPath(name: name, namespace: namespace) + "/status", query: [:])
        let body: JSONValue = ["status": status]
        return KubeObject(json: try await send(.patch, url: url, body: body.encoded(),
                                               contentType: "application/merge-patch+json"))
    }

    /// Watches the collection from `resourceVersion` (`?watch=1&allowWatchBookmarks=true`): the
    /// server ends the stream after about `timeoutSeconds`, or earlier; an ERROR event (410 when
    /// the version is too old) ends it too. Throws when the watch cannot start.
    public func watch(_ resource: KubeResource, selector: KubeSelector = .everything, resourceVersion: String,
                      timeoutSeconds: Int = 300) async throws(KubeError) -> AsyncThrowingStream<KubeWatchEvent, any Error> {
        let url = url(resource.collectionPath, query: selector.query.merging([
            "watch": "1", "resourceVersion": resourceVersion, "allowWatchBookmarks": "true",
            "timeoutSeconds": String(timeoutSeconds),
        ]) { _, new in new })
        // A stream that stays silent past the server's own timeout (plus a margin) is dead.
        var request = try request(.get, url: url)
        request.timeout = .seconds(timeoutSeconds + 30)
        let response: (head: HTTPResponseHead, lines: HTTPLineSequence<HTTPBodyStream>)
        do {
            response = try await http.lines(request)
        } catch let error as CurlError {
            throw .transport(error)
        } catch {
            throw .protocolViolation("watch failed: \(error)", url: url)
        }
        guard response.head.status == 200 else {
            // The answer is a Status object; a broken body still leaves the HTTP code.
            var body: [UInt8] = []
            do {
                for try await line in response.lines {
                    body += line
                    if body.count > 1 << 16 { break }
                }
            } catch {}
            throw .status(Self.status(code: response.head.status, body: body), url: url)
        }
        let lines = response.lines
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await line in lines where !line.isEmpty {
                        continuation.yield(try Self.event(line, url: url))
                    }
                    continuation.finish()
                } catch let error as CurlError {
                    continuation.finish(throwing: KubeError.transport(error))
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: requests

    private func request(_ method: HTTPRequest.Method, url: String, body: [UInt8]? = nil,
                         contentType: String? = nil) throws(KubeError) -> HTTPRequest {
        var headers: HTTPHeaders = [:]
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        return HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: nil,
                           connectTimeout: connectTimeout, bearerToken: try config.currentToken())
    }

    private func send(_ method: HTTPRequest.Method, url: String, body: [UInt8]? = nil,
                      contentType: String? = nil) async throws(KubeError) -> JSONValue {
        var request = try request(method, url: url, body: body, contentType: contentType)
        request.timeout = requestTimeout
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as CurlError {
            throw .transport(error)
        } catch {
            throw .protocolViolation("request failed: \(error)", url: url)
        }
        guard (200..<300).contains(response.status) else {
            throw .status(Self.status(code: response.status, body: response.body), url: url)
        }
        do {
            return try JSONValue.decode(response.body)
        } catch {
            throw .protocolViolation("the answer is not JSON: \(String(decoding: response.body.prefix(200), as: UTF8.self))", url: url)
        }
    }

    /// The `Status` in an error answer, or one made from the HTTP code and body text.
    static func status(code: Int, body: [UInt8]) -> KubeStatus {
        if let json = try? JSONValue.decode(body), var status = KubeStatus(json: json) {
            if status.code == 0 { status.code = code }
            return status
        }
        return KubeStatus(code: code, reason: "", message: String(decoding: body.prefix(500), as: UTF8.self))
    }

    /// Decodes one line of a watch stream.
    static func event(_ line: [UInt8], url: String) throws(KubeError) -> KubeWatchEvent {
        guard let json = try? JSONValue.decode(line), let type = json["type"]?.string, let object = json["object"] else {
            throw .protocolViolation("a watch line is not {type, object}: \(String(decoding: line.prefix(200), as: UTF8.self))", url: url)
        }
        switch type {
        case "ADDED": return .added(KubeObject(json: object))
        case "MODIFIED": return .modified(KubeObject(json: object))
        case "DELETED": return .deleted(KubeObject(json: object))
        case "BOOKMARK":
            guard let version = KubeObject(json: object).resourceVersion else {
                throw .protocolViolation("a BOOKMARK without metadata.resourceVersion", url: url)
            }
            return .bookmark(resourceVersion: version)
        case "ERROR":
            return .error(KubeStatus(json: object) ?? KubeStatus(code: 0, reason: "", message: "\(object)"))
        default:
            throw .protocolViolation("unknown watch event type \"\(type)\"", url: url)
        }
    }

    /// `server + path + ?query` (keys sorted, values escaped).
    func url(_ path: String, query: [String: String]) -> String {
        let pairs = query.keys.sorted().map { "\($0)=\(KubeResource.escape(query[$0]!))" }
        return config.server + path + (pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&"))
    }
}
