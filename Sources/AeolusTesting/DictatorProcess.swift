import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `aeolus dictator` running as a child process on a free port of 127.0.0.1, its output in a log
/// file. Stopped with SIGTERM (and waited for) by `stop()` or when the object goes away.
public final class DictatorProcess {
    /// The port it listens on.
    public let port: Int
    /// Where its standard error goes.
    public let logFile: String
    private let process: Process

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `aeolus dictator --listen 127.0.0.1:<port> arguments...` (the port reused when given).
    public init(arguments: [String], port: Int? = nil, logFile: String) throws {
        self.port = try port ?? GitDaemon.freeLoopbackPort()
        self.logFile = logFile
        if !FileManager.default.fileExists(atPath: logFile) { FileManager.default.createFile(atPath: logFile, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        log.seekToEndOfFile()
        process = Process()
        process.executableURL = URL(fileURLWithPath: AeolusBinary.path)
        process.arguments = ["dictator", "--listen", "127.0.0.1:\(self.port)"] + arguments
        process.environment = Git.environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        let process = self.process
        try ChildProcess.launch(process)
    }

    deinit {
        stop()
    }

    /// Whether the process still runs.
    public var isRunning: Bool { process.isRunning }

    /// Sends SIGTERM and waits; SIGKILL after `timeout` seconds. Returns the exit status.
    @discardableResult
    public func stop(timeout: TimeInterval = 10) -> Int32 {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The log so far.
    public var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }
}
