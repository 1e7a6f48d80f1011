/// How an HTTPS connection authenticates the server and, optionally, itself.
public struct TLSOptions: Sendable, Hashable {
    /// Where PEM data comes from: a file, or bytes in memory (e.g. a kubeconfig's base64-decoded
    /// `certificate-authority-data`).
    public enum PEM: Sendable, Hashable {
        /// A PEM file on disk.
        case file(String)
        /// PEM text in memory.
        case data([UInt8])
    }

    /// The CA bundle that must have signed the server certificate; nil uses the system store.
    public var caCertificate: PEM?
    /// The client certificate (PEM) for mutual TLS.
    public var clientCertificate: PEM?
    /// The client certificate's private key (PEM, unencrypted).
    public var clientKey: PEM?
    /// Skips verification of the server certificate and host name. Only for tests.
    public var insecureSkipVerify: Bool

    /// TLS options; the defaults verify the server against the system CA store.
    public init(caCertificate: PEM? = nil, clientCertificate: PEM? = nil, clientKey: PEM? = nil,
                insecureSkipVerify: Bool = false) {
        self.caCertificate = caCertificate
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.insecureSkipVerify = insecureSkipVerify
    }

    /// Verify the server against the CA file at `path`.
    public static func caFile(_ path: String) -> TLSOptions { TLSOptions(caCertificate: .file(path)) }
}
