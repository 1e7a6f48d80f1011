import CurlKit

/// A `Status` object of the API (`kind: Status`): how a request failed, or an ERROR event of a watch.
public struct KubeStatus: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP code (401, 404, 409, 410, ...).
    public var code: Int
    /// The CamelCase reason (`Unauthorized`, `NotFound`, `Expired`, `Gone`, ...).
    public var reason: String
    /// The server's message.
    public var message: String

    /// A status.
    public init(code: Int, reason: String, message: String) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    /// Reads a `Status` object; nil when `json` is not one.
    public init?(json: JSONValue) {
        guard json["kind"]?.string == "Status" || json["code"]?.integer != nil else { return nil }
        code = Int(json["code"]?.integer ?? 0)
        reason = json["reason"]?.string ?? ""
        message = json["message"]?.string ?? ""
    }

    /// The resourceVersion asked for is older than the server keeps (410 Gone / Expired): the
    /// client must list again.
    public var isExpired: Bool { code == 410 || reason == "Expired" || reason == "Gone" }

    /// `code reason: message`.
    public var description: String { "\(code) \(reason.isEmpty ? "" : reason + ": ")\(message)" }
}

/// Why a Kubernetes API call or configuration failed, with what to do about it.
public enum KubeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration (kubeconfig file, service-account files, environment) is unusable:
    /// `source` names the file or variable, `field` the entry.
    case configuration(source: String, field: String, message: String)
    /// The server answered with an error status (`url` was requested).
    case status(KubeStatus, url: String)
    /// The server's answer is not what the protocol says (`url` was requested).
    case protocolViolation(String, url: String)
    /// The request did not reach the server or its answer broke off.
    case transport(CurlError)

    /// The error as one line for logs and users.
    public var description: String {
        switch self {
        case let .configuration(source, field, message):
            return "\(source): \(field.isEmpty ? "" : field + ": ")\(message)"
        case let .status(status, url):
            var text = "\(url): \(status)"
            if status.code == 401 { text += " (the token or client certificate is not accepted)" }
            if status.code == 403 { text += " (RBAC: the service account lacks this permission)" }
            return text
        case let .protocolViolation(message, url):
            return "\(url): \(message)"
        case let .transport(error):
            return error.description
        }
    }
}
