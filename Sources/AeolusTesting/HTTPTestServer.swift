import Foundation

/// A real HTTP(S) server on 127.0.0.1 for tests of HTTP clients: a Python 3 `http.server`
/// subprocess (see `HTTPTestServer.script` for its routes) on a port the kernel picks, so parallel
/// tests never collide. Ready to accept when `init` returns; killed on deinit.
public final class HTTPTestServer: Sendable {
    /// The port the server listens on (127.0.0.1).
    public let port: Int
    /// `http` or `https`.
    public let scheme: String
    /// `scheme://127.0.0.1:port`.
    public var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    private let process: PythonServerProcess

    /// Starts a plain HTTP server, waiting on a thread of its own (not Swift's cooperative pool,
    /// which has one thread per core and which many parallel tests would otherwise block).
    public static func start() async throws -> HTTPTestServer {
        try await offThePool { try HTTPTestServer() }
    }

    /// Starts an HTTPS server (see `init(tls:requireClientCertificate:)`), waiting on a thread of
    /// its own.
    public static func start(tls certificates: HTTPTestServerCertificates,
                             requireClientCertificate: Bool = false) async throws -> HTTPTestServer {
        try await offThePool { try HTTPTestServer(tls: certificates, requireClientCertificate: requireClientCertificate) }
    }

    /// Starts a plain HTTP server, blocking the calling thread until it listens.
    public convenience init() throws {
        try self.init(arguments: [], scheme: "http")
    }

    /// Starts an HTTPS server presenting `certificates.server`; with `requireClientCertificate`
    /// it refuses clients without a certificate signed by `certificates.ca`.
    public convenience init(tls certificates: HTTPTestServerCertificates, requireClientCertificate: Bool = false) throws {
        var arguments = ["--cert", certificates.serverCertificate, "--key", certificates.serverKey]
        if requireClientCertificate { arguments += ["--client-ca", certificates.caCertificate] }
        try self.init(arguments: arguments, scheme: "https")
    }

    private init(arguments: [String], scheme: String) throws {
        self.scheme = scheme
        process = try PythonServerProcess(script: Self.script, arguments: arguments, name: "http-test-server")
        port = process.port
    }

    /// An absolute URL for `path` (which starts with `/`).
    public func url(_ path: String) -> String { baseURL + path }
}

/// The test server could not be started.
public struct HTTPTestServerError: Error, CustomStringConvertible {
    /// What happened, with the server's stderr.
    public let message: String
    /// The error as one line for logs and users.
    public var description: String { message }
}
