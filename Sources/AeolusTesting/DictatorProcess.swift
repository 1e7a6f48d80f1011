import Foundation

/// `aeolus dictator` running as a child process on a free port of 127.0.0.1, its output in a log
/// file. Stopped with SIGTERM (and waited for) by `stop()` or when the object goes away.
public final class DictatorProcess: AeolusProcess, @unchecked Sendable {
    /// The port it listens on.
    public let port: Int

    /// Whether it serves HTTPS (its arguments name `--tls-cert`).
    public let tls: Bool

    /// `http://127.0.0.1:<port>`, or `https://` when it serves TLS.
    public var url: String { "\(tls ? "https" : "http")://127.0.0.1:\(port)" }

    /// Starts `aeolus dictator --listen 127.0.0.1:<port> arguments...` (the port reused when given).
    public init(arguments: [String], port: Int? = nil, logFile: String) throws {
        let port = try port ?? GitDaemon.freeLoopbackPort()
        self.port = port
        self.tls = arguments.contains("--tls-cert")
        try super.init(arguments: ["dictator", "--listen", "127.0.0.1:\(port)"] + arguments, logFile: logFile)
    }
}
