import CurlKit
import Foundation

/// Where the API server is and how to authenticate to it: read from a kubeconfig file
/// (`KubeConfig.load(kubeconfig:)`) or from a pod's service account (`KubeConfig.inCluster()`).
public struct KubeConfig: Sendable, Equatable {
    /// How requests authenticate (besides a TLS client certificate).
    public enum Credentials: Sendable, Equatable {
        /// No bearer token (client certificate only, or an unauthenticated server).
        case none
        /// A fixed bearer token.
        case token(String)
        /// A bearer token read from a file before every request, so a rotated token (projected
        /// service-account tokens are replaced about every hour) is picked up.
        case tokenFile(String)
    }

    /// The server's base URL (`https://10.96.0.1:443`), without a trailing slash.
    public var server: String
    /// How the server is verified and the client certificate, if any.
    public var tls: TLSOptions
    /// The bearer token.
    public var credentials: Credentials
    /// The namespace of the context or of the service account (nil: none given).
    public var namespace: String?

    /// A configuration.
    public init(server: String, tls: TLSOptions = TLSOptions(), credentials: Credentials = .none, namespace: String? = nil) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.tls = tls
        self.credentials = credentials
        self.namespace = namespace
    }

    /// The folder Kubernetes mounts a pod's service account into.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The configuration of a pod: `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` from
    /// `environment`, the token (re-read when it rotates), `ca.crt` and `namespace` from
    /// `serviceAccountDirectory`.
    public static func inCluster(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 serviceAccountDirectory: String = serviceAccountDirectory) throws(KubeError) -> KubeConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw .configuration(source: "environment", field: "KUBERNETES_SERVICE_HOST",
                                 message: "not set: not running in a pod (give --kubeconfig outside a cluster)")
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], Int(port) != nil else {
            throw .configuration(source: "environment", field: "KUBERNETES_SERVICE_PORT",
                                 message: "not set or not a port number (\(environment["KUBERNETES_SERVICE_PORT"] ?? "unset"))")
        }
        let token = serviceAccountDirectory + "/token", ca = serviceAccountDirectory + "/ca.crt"
        for file in [token, ca] where !FileManager.default.isReadableFile(atPath: file) {
            throw .configuration(source: file, field: "",
                                 message: "cannot read the service-account file (is automountServiceAccountToken off?)")
        }
        let namespace = (try? String(contentsOfFile: serviceAccountDirectory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // An IPv6 service address needs brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubeConfig(server: "https://\(hostPart):\(port)", tls: TLSOptions(caCertificate: .file(ca)),
                          credentials: .tokenFile(token), namespace: namespace?.isEmpty == false ? namespace : nil)
    }

    /// The bearer token to send now (a token file is read again each time).
    func currentToken() throws(KubeError) -> String? {
        switch credentials {
        case .none: return nil
        case .token(let token): return token
        case .tokenFile(let path):
            do {
                let token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !token.isEmpty else { throw KubeError.configuration(source: path, field: "", message: "the token file is empty") }
                return token
            } catch let error as KubeError {
                throw error
            } catch {
                throw .configuration(source: path, field: "", message: "cannot read the token file: \(error.localizedDescription)")
            }
        }
    }
}
