import Foundation

/// A throwaway PKI for TLS tests, made with the `openssl` command: a CA, a server certificate
/// for IP 127.0.0.1 and DNS name localhost and a client certificate (CN `aeolus-test-client`),
/// all signed by the CA; `reissueServerCertificate` makes a new server pair (a new serial), as a
/// rotation does. Two instances share nothing: one's CA is the "wrong CA" of the other. The files
/// live in a fresh temporary folder, removed on deinit.
public final class HTTPTestServerCertificates: Sendable {
    /// The folder holding the files.
    public let directory: String
    /// The CA certificate (PEM): what clients trust.
    public var caCertificate: String { directory + "/ca.crt" }
    /// The server certificate (PEM), subjectAltName IP:127.0.0.1 and DNS:localhost.
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
        let newKey = Self.newKey
        try run(["req", "-x509"] + newKey + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
                 "-subj", "/CN=Aeolus Test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try issueServer()
        try issue(name: "client", subject: "/CN=aeolus-test-client",
                  extensions: "extendedKeyUsage=clientAuth\n", newKey: newKey)
    }

    /// Replaces the server certificate and key with a new pair signed by the same CA (a new key
    /// and serial), each file written beside its place and renamed over it, as a rotation does;
    /// blocking. Returns the new certificate's serial.
    @discardableResult
    public func reissueServerCertificate() throws -> String {
        try issueServer(suffix: ".new")
        for file in ["server.crt", "server.key"] {
            guard rename(directory + "/\(file).new", directory + "/" + file) == 0 else {
                throw HTTPTestServerError(message: "rename \(file).new: \(String(cString: strerror(errno)))")
            }
        }
        return try Self.serial(ofCertificate: serverCertificate)
    }

    /// The serial number (hex, as `openssl x509 -serial` prints it) of the PEM certificate at `path`; blocking.
    public static func serial(ofCertificate path: String) throws -> String {
        let output = try Subprocess.collect("/usr/bin/env", ["openssl", "x509", "-noout", "-serial", "-in", path])
        guard output.status == 0, let serial = output.standardOutput.split(separator: "=").last else {
            throw HTTPTestServerError(message: "openssl x509 -serial -in \(path) failed: " + output.standardError)
        }
        return serial.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
    }

    /// The serial number (hex) of the certificate a TLS server on 127.0.0.1:`port` presents to a
    /// new connection (`openssl s_client`, no verification); nil when no handshake happened.
    /// Blocking: from async code run it off the pool.
    public static func servedSerial(port: Int) throws -> String? {
        let output = try Subprocess.collect("/usr/bin/env", ["openssl", "s_client", "-connect", "127.0.0.1:\(port)",
                                                             "-servername", "localhost"], input: "")
        guard let begin = output.standardOutput.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = output.standardOutput.range(of: "-----END CERTIFICATE-----") else { return nil }
        let pem = String(output.standardOutput[begin.lowerBound..<end.upperBound]) + "\n"
        let parsed = try Subprocess.collect("/usr/bin/env", ["openssl", "x509", "-noout", "-serial"], input: pem)
        return parsed.standardOutput.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    /// `server.crt` and `server.key` (with `suffix` appended to both names).
    private func issueServer(suffix: String = "") throws {
        try issue(name: "server", subject: "/CN=127.0.0.1",
                  extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
                  newKey: Self.newKey, suffix: suffix)
    }

    private func issue(name: String, subject: String, extensions: String, newKey: [String], suffix: String = "") throws {
        try run(["req"] + newKey + ["-keyout", "\(name).key\(suffix)", "-out", "\(name).csr", "-subj", subject])
        try extensions.write(toFile: directory + "/\(name).ext", atomically: true, encoding: .utf8)
        try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", "\(name).crt\(suffix)", "-days", "1", "-extfile", "\(name).ext"])
    }

    private func run(_ arguments: [String]) throws {
        let output = try Subprocess.collect("/usr/bin/env", ["openssl"] + arguments, currentDirectory: directory)
        guard output.status == 0 else {
            throw HTTPTestServerError(message: "openssl \(arguments.joined(separator: " ")) failed: " + output.standardError)
        }
    }
}
