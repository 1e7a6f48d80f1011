import Foundation

/// A throwaway PKI for TLS tests, made with the `openssl` command: a CA, a server certificate
/// for IP 127.0.0.1 and a client certificate (CN `aeolus-test-client`), all signed by the CA.
/// The files live in a fresh temporary folder, removed on deinit.
public final class HTTPTestServerCertificates: Sendable {
    /// The folder holding the files.
    public let directory: String
    /// The CA certificate (PEM): what clients trust.
    public var caCertificate: String { directory + "/ca.crt" }
    /// The server certificate (PEM), subjectAltName IP:127.0.0.1.
    public var serverCertificate: String { directory + "/server.crt" }
    /// The server's private key (PEM).
    public var serverKey: String { directory + "/server.key" }
    /// The client certificate (PEM), CN `aeolus-test-client`.
    public var clientCertificate: String { directory + "/client.crt" }
    /// The client's private key (PEM).
    public var clientKey: String { directory + "/client.key" }

    /// Generates the PKI on a thread of its own (the `openssl` runs block).
    public static func make() async throws -> HTTPTestServerCertificates {
        try await offThePool { try HTTPTestServerCertificates() }
    }

    /// Generates the CA, server and client certificates (EC P-256, valid one day), blocking.
    public init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("aeolus-pki-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(["req", "-x509"] + newKey + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
                 "-subj", "/CN=Aeolus Test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try issue(name: "server", subject: "/CN=127.0.0.1",
                  extensions: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", newKey: newKey)
        try issue(name: "client", subject: "/CN=aeolus-test-client",
                  extensions: "extendedKeyUsage=clientAuth\n", newKey: newKey)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func issue(name: String, subject: String, extensions: String, newKey: [String]) throws {
        try run(["req"] + newKey + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
        try extensions.write(toFile: directory + "/\(name).ext", atomically: true, encoding: .utf8)
        try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", "\(name).crt", "-days", "1", "-extfile", "\(name).ext"])
    }

    private func run(_ arguments: [String]) throws {
        let output = try Subprocess.collect("/usr/bin/env", ["openssl"] + arguments, currentDirectory: directory)
        guard output.status == 0 else {
            throw HTTPTestServerError(message: "openssl \(arguments.joined(separator: " ")) failed: " + output.standardError)
        }
    }
}
