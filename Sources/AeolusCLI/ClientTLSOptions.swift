import ArgumentParser
import CurlKit
import Foundation
import ServiceKit

/// `--ca`, `--client-cert` and `--client-key`: how a client (agent, `aeolus status`) checks the
/// dictator's HTTPS certificate and, for a dictator started with `--client-ca`, proves itself.
struct ClientTLSOptions: ParsableArguments {
    @Option(help: "The CA bundle (PEM) the dictator's HTTPS certificate must be signed by (default: the system's CAs).")
    var ca: String?

    @Option(name: .customLong("client-cert"), help: "A client certificate (PEM) for a dictator that requires one (--client-ca); with --client-key.")
    var clientCert: String?

    @Option(name: .customLong("client-key"), help: "The client certificate's private key (PEM, unencrypted).")
    var clientKey: String?

    func validate() throws {
        if (clientCert == nil) != (clientKey == nil) { throw ValidationError("--client-cert and --client-key go together") }
    }

    /// The TLS options after checking that every named file can be read (else a
    /// `FileAccessError` naming the flag and the file: a typo stops the command at start, not
    /// at each request).
    func tlsOptions() throws -> TLSOptions {
        for (flag, path) in [("--ca", ca), ("--client-cert", clientCert), ("--client-key", clientKey)] {
            guard let path else { continue }
            if access(path, R_OK) != 0 {
                throw FileAccessError(purpose: flag, path: path, cause: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EACCES))
            }
        }
        return TLSOptions(caCertificate: ca.map { .file($0) }, clientCertificate: clientCert.map { .file($0) },
                          clientKey: clientKey.map { .file($0) })
    }
}
