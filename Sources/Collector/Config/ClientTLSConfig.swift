import CurlKit
import Foundation

/// An exporter's `tls:` block, as the OpenTelemetry Collector's `configtls` client settings:
///
/// ```yaml
/// tls:
///   ca_file: /etc/aeolus/tls/ca.crt      # the CA the server's certificate must chain to (default: the system's)
///   cert_file: /etc/aeolus/tls/tls.crt   # a client certificate, for a server that requires one; with key_file
///   key_file: /etc/aeolus/tls/tls.key
///   insecure_skip_verify: false          # true: no check of the server's certificate (tests only)
/// ```
///
/// Files are checked for readability when the config is read, so a wrong path is an error with
/// file:line, not a failed request at every export. They are read by libcurl at each new
/// connection, so a rotated client certificate is used without a restart.
public enum ClientTLSConfig {
    /// The field names of the block.
    public static let fieldNames = ["ca_file", "cert_file", "key_file", "insecure_skip_verify"]

    /// Reads the block at `node`, reporting unknown fields, unreadable files and a certificate
    /// without its key (or the reverse).
    public static func read(_ node: ConfigNode) -> TLSOptions? {
        guard let fields = node.fields(known: fieldNames) else { return nil }
        var options = TLSOptions()
        var files: [String: String] = [:]
        for key in ["ca_file", "cert_file", "key_file"] {
            guard let path = fields[key]?.string() else { continue }
            if access(path, R_OK) != 0 {
                fields.report(key, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            files[key] = path
        }
        options.caCertificate = files["ca_file"].map { .file($0) }
        options.clientCertificate = files["cert_file"].map { .file($0) }
        options.clientKey = files["key_file"].map { .file($0) }
        fields.read("insecure_skip_verify", into: &options.insecureSkipVerify) { $0.bool() }
        if (files["cert_file"] == nil) != (files["key_file"] == nil) {
            fields.report(files["cert_file"] == nil ? "key_file" : "cert_file", "cert_file and key_file go together")
        }
        return options
    }
}
