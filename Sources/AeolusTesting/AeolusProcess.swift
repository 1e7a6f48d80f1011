import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `aeolus <arguments>` running as a child process (a daemon: dictator, agent, collector), its
/// output appended to a log file. Stopped with SIGTERM (and waited for) by `stop()` or when the
/// object goes away; `kill()` stops it the hard way, as a crash would.
public class AeolusProcess {
    /// Where its standard output and error go.
    public let logFile: String
    private let process: Process

    /// Starts `aeolus arguments...`.
    public init(arguments: [String], logFile: String) throws {
        self.logFile = logFile
        if !FileManager.default.fileExists(atPath: logFile) { _ = FileManager.default.createFile(atPath: logFile, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        log.seekToEndOfFile()
        process = Process()
        process.executableURL = URL(fileURLWithPath: AeolusBinary.path)
        process.arguments = arguments
        process.environment = Git.environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try ChildProcess.launch(process)
    }

    deinit {
        stop()
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Whether the process still runs.
    public var isRunning: Bool { process.isRunning }

    /// Sends SIGTERM and waits; SIGKILL after `timeout` seconds. Returns the exit status.
    @discardableResult
    public func stop(timeout: TimeInterval = 10) -> Int32 {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Sends SIGKILL (no graceful shutdown: nothing is released or written) and waits.
    public func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The log so far.
    public var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }
}
