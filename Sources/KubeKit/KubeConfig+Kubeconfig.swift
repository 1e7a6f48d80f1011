import CurlKit
import Foundation
import Yams

extension KubeConfig {
    /// The configuration of a kubeconfig file's `current-context` (or of `context`): the cluster's
    /// `server`, `certificate-authority(-data)` and `insecure-skip-tls-verify`; the user's `token`
    /// or `tokenFile` and `client-certificate(-data)` / `client-key(-data)`; the context's
    /// `namespace`. Relative file names are relative to the kubeconfig's folder, as kubectl reads them.
    public static func load(kubeconfig path: String, context: String? = nil) throws(KubeError) -> KubeConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .configuration(source: path, field: "", message: "cannot read the kubeconfig: \(error.localizedDescription)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(kubeconfig: text, source: path, directory: directory, context: context)
    }

    /// Parses kubeconfig text; `source` names it in errors, `directory` resolves relative paths.
    public static func parse(kubeconfig text: String, source: String, directory: String,
                             context contextName: String? = nil) throws(KubeError) -> KubeConfig {
        let file: KubeconfigFile
        do {
            file = try YAMLDecoder().decode(KubeconfigFile.self, from: text)
        } catch let error as DecodingError {
            throw .configuration(source: source, field: error.fieldPath, message: error.summary)
        } catch {
            throw .configuration(source: source, field: "", message: "not a kubeconfig: \(error)")
        }
        guard let name = contextName ?? file.currentContext, !name.isEmpty else {
            throw .configuration(source: source, field: "current-context", message: "not set, and no context was given")
        }
        guard let context = file.contexts?.first(where: { $0.name == name })?.value else {
            throw .configuration(source: source, field: "contexts", message: "no context named \"\(name)\"")
        }
        guard let cluster = file.clusters?.first(where: { $0.name == context.cluster })?.value else {
            throw .configuration(source: source, field: "clusters",
                                 message: "context \"\(name)\" names cluster \"\(context.cluster)\", which is not listed")
        }
        var user = KubeconfigFile.User()
        if let userName = context.user, !userName.isEmpty {
            guard let found = file.users?.first(where: { $0.name == userName }) else {
                throw .configuration(source: source, field: "users",
                                     message: "context \"\(name)\" names user \"\(userName)\", which is not listed")
            }
            user = found.value ?? KubeconfigFile.User()
        }
        guard let server = cluster.server, server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw .configuration(source: source, field: "clusters[\(context.cluster)].cluster.server",
                                 message: "expected an http:// or https:// URL, found \(cluster.server.map { "\"\($0)\"" } ?? "nothing")")
        }
        func path(_ file: String) -> String { file.hasPrefix("/") ? file : directory + "/" + file }
        func pem(data: String?, file: String?, field: String, in section: String) throws(KubeError) -> TLSOptions.PEM? {
            if let data {
                guard let bytes = Data(base64Encoded: data.filter { !$0.isWhitespace }) else {
                    throw .configuration(source: source, field: "\(section).\(field)-data", message: "not valid base64")
                }
                return .data(Array(bytes))
            }
            return file.map { .file(path($0)) }
        }
        let clusterSection = "clusters[\(context.cluster)].cluster", userSection = "users[\(context.user ?? "")].user"
        var tls = TLSOptions()
        tls.caCertificate = try pem(data: cluster.certificateAuthorityData, file: cluster.certificateAuthority,
                                    field: "certificate-authority", in: clusterSection)
        tls.clientCertificate = try pem(data: user.clientCertificateData, file: user.clientCertificate,
                                        field: "client-certificate", in: userSection)
        tls.clientKey = try pem(data: user.clientKeyData, file: user.clientKey, field: "client-key", in: userSection)
        tls.insecureSkipVerify = cluster.insecureSkipTLSVerify ?? false
        if (tls.clientCertificate == nil) != (tls.clientKey == nil) {
            throw .configuration(source: source, field: userSection,
                                 message: "client-certificate and client-key go together; only one is given")
        }
        if user.exec != nil || user.authProvider != nil {
            throw .configuration(source: source, field: userSection + (user.exec != nil ? ".exec" : ".auth-provider"),
                                 message: "credential plugins are not supported; use a token, tokenFile or client certificate "
                                    + "(e.g. a service-account token from `kubectl create token`)")
        }
        if user.username != nil || user.password != nil {
            throw .configuration(source: source, field: userSection + ".username",
                                 message: "basic authentication is not supported by Kubernetes since 1.19; use a token")
        }
        let credentials: Credentials
        if let token = user.token, !token.isEmpty { credentials = .token(token) }
        else if let tokenFile = user.tokenFile, !tokenFile.isEmpty { credentials = .tokenFile(path(tokenFile)) }
        else { credentials = .none }
        return KubeConfig(server: server, tls: tls, credentials: credentials,
                          namespace: context.namespace?.isEmpty == false ? context.namespace : nil)
    }
}

/// The parts of a kubeconfig file (`kind: Config`) KubeKit reads.
struct KubeconfigFile: Decodable {
    struct Named<Value: Decodable>: Decodable {
        var name: String
        var value: Value?
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            name = try c.decode(String.self, forKey: AnyKey("name"))
            // The entry's value sits under `cluster`, `user` or `context`, whichever is present.
            value = try ["cluster", "user", "context"].lazy.compactMap { key in
                try c.decodeIfPresent(Value.self, forKey: AnyKey(key))
            }.first
        }
    }

    struct Cluster: Decodable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?
        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }

    struct User: Decodable {
        var token: String?
        var tokenFile: String?
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var username: String?
        var password: String?
        var exec: JSONValue?
        var authProvider: JSONValue?
        enum CodingKeys: String, CodingKey {
            case token, tokenFile, username, password, exec
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case authProvider = "auth-provider"
        }
    }

    struct Context: Decodable {
        var cluster: String
        var user: String?
        var namespace: String?
    }

    var clusters: [Named<Cluster>]?
    var users: [Named<User>]?
    var contexts: [Named<Context>]?
    var currentContext: String?

    enum CodingKeys: String, CodingKey {
        case clusters, users, contexts
        case currentContext = "current-context"
    }
}

/// A coding key made from any string.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension DecodingError {
    /// The field path of the error (`clusters[0].cluster.server`).
    var fieldPath: String {
        let path: [CodingKey]
        switch self {
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            path = context.codingPath
        case let .keyNotFound(key, context):
            path = context.codingPath + [key]
        @unknown default:
            path = []
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
    }

    /// What was wrong, without Swift type names.
    var summary: String {
        switch self {
        case .typeMismatch(let type, _): return "expected \(type == String.self ? "a string" : type == Bool.self ? "a boolean" : "another type")"
        case .valueNotFound: return "missing value"
        case .keyNotFound: return "missing required field"
        case .dataCorrupted(let context): return context.debugDescription
        @unknown default: return "cannot decode"
        }
    }
}
