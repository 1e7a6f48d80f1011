import Foundation
import NIOSSL

/// Where the dictator's TLS identity comes from: a certificate chain and its private key (PEM
/// files, e.g. a cert-manager Secret's `tls.crt` and `tls.key`), and optionally the CA that
/// clients' certificates must be signed by. The files are read again when they change.
public struct TLSServerConfiguration: Sendable, Hashable {
    /// The certificate chain (PEM): the server's certificate first, then intermediates.
    public var certificateFile: String
    /// The certificate's private key (PEM, unencrypted).
    public var keyFile: String
    /// The CA bundle (PEM) clients' certificates must chain to; nil: no client certificate is asked for.
    public var clientCAFile: String?
    /// How often the files are checked for a change (modification time, size, inode).
    public var reloadInterval: Duration = .seconds(5)

    /// A configuration serving `certificateFile` with `keyFile`, requiring client certificates
    /// signed by `clientCAFile` when given.
    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }

    /// The files read, with what each is for.
    var files: [(purpose: String, path: String)] {
        [("--tls-cert", certificateFile), ("--tls-key", keyFile)] + (clientCAFile.map { [("--client-ca", $0)] } ?? [])
    }

    /// What the files look like now (see `TLSFileStamp`); blocking (`stat`).
    func stamps() -> [TLSFileStamp?] { files.map { TLSFileStamp(path: $0.path) } }

    /// Reads and parses the files and builds the server context; blocking (file reads). Throws a
    /// `TLSFileError` naming the file that cannot be read or parsed, or the pair that does not match.
    func load() throws(TLSFileError) -> TLSServerIdentity {
        let chain: [NIOSSLCertificate] = try parse(read("--tls-cert", certificateFile), "--tls-cert", certificateFile) {
            try NIOSSLCertificate.fromPEMBytes($0)
        }
        guard let leaf = chain.first else {
            throw TLSFileError(purpose: "--tls-cert", path: certificateFile, problem: "holds no PEM certificate")
        }
        let key = try parse(read("--tls-key", keyFile), "--tls-key", keyFile) { try NIOSSLPrivateKey(bytes: $0, format: .pem) }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // A closing connection waits this long for the client's close_notify (an idle keep-alive
        // client never answers): NIO's 5 s would spend the dictator's whole stop deadline.
        configuration.shutdownTimeout = .seconds(1)
        if let clientCAFile {
            let roots = try parse(read("--client-ca", clientCAFile), "--client-ca", clientCAFile) {
                try NIOSSLCertificate.fromPEMBytes($0)
            }
            guard !roots.isEmpty else {
                throw TLSFileError(purpose: "--client-ca", path: clientCAFile, problem: "holds no PEM certificate")
            }
            // A server checks the client's chain against the roots; host names are not checked
            // for clients (they have none to check).
            configuration.trustRoots = .certificates(roots)
            configuration.certificateVerification = .noHostnameVerification
        }
        do {
            return TLSServerIdentity(context: try NIOSSLContext(configuration: configuration), certificate: leaf)
        } catch {
            throw TLSFileError(purpose: "--tls-key", path: keyFile,
                               problem: "does not match the certificate in \(certificateFile) (\(error))")
        }
    }

    private func read(_ purpose: String, _ path: String) throws(TLSFileError) -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw TLSFileError(purpose: purpose, path: path, problem: "cannot be read: \((error as NSError).localizedDescription)")
        }
    }

    private func parse<T>(_ bytes: [UInt8], _ purpose: String, _ path: String, _ body: ([UInt8]) throws -> T) throws(TLSFileError) -> T {
        do {
            return try body(bytes)
        } catch {
            throw TLSFileError(purpose: purpose, path: path, problem: "is not valid PEM (\(error))")
        }
    }
}

/// A loaded TLS identity: the context new connections are served with, and the certificate it presents.
struct TLSServerIdentity: Sendable {
    /// The context (certificate, key, client verification).
    let context: NIOSSLContext
    /// The server's own certificate (the first of the chain).
    let certificate: NIOSSLCertificate

    /// The certificate's serial number in hex, for logs.
    var serial: String { certificate.serialNumber.map { String(format: "%02x", $0) }.joined() }

    /// When the certificate expires.
    var notValidAfter: Date { Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter)) }
}

/// A TLS file of the dictator cannot be read or used: the error names the flag, the file and the problem.
public struct TLSFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The flag that named the file (`--tls-cert`, `--tls-key`, `--client-ca`).
    public let purpose: String
    /// The file.
    public let path: String
    /// What is wrong with it.
    public let problem: String

    public var description: String { "\(purpose) \(path) \(problem)" }
}

/// What a file looks like to `stat` (through symbolic links, as cert-manager's mounted Secret
/// swaps its `..data` link): a change of any field means the file was replaced or rewritten.
struct TLSFileStamp: Sendable, Hashable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modified: Int64
    let modifiedNanoseconds: Int64

    /// The stamp of `path`; nil when it cannot be stat'ed.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
    }
}
