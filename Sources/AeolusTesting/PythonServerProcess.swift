import Foundation

/// A test server written in Python 3 (`python3 -u -c script arguments...`), bound to 127.0.0.1:
/// its first output line is `PORT <n>` once it listens; later lines answer the commands written to
/// its stdin (one line each); it exits when its stdin closes (the test process ended, even by a
/// crash). Stopped (stdin closed, SIGTERM, SIGKILL after 5 s) and reaped on deinit.
final class PythonServerProcess: Sendable {
    let port: Int
    private let process: ChildProcess

    /// Starts the script, blocking until it printed its port (60 s at most: a full test run starts
    /// dozens of these at once on two cores, and a Python start-up then takes seconds).
    init(script: String, arguments: [String], name: String) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = try ChildProcess("/usr/bin/env", ["python3", "-u", "-c", script] + arguments,
                                       standardInput: .pipe, standardOutput: .pipe, standardError: .file(log))
        self.process = process
        let line = process.standardOutput!.readLine(timeout: .seconds(60))?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let line, line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            process.standardInput!.close()
            process.terminateSynchronously(grace: .seconds(5))
            let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw HTTPTestServerError(message: "python3 \(name) did not start (first line \(line.debugDescription)): \(stderr)")
        }
        self.port = port
    }

    deinit {
        process.standardInput!.close()
        process.terminateSynchronously(grace: .seconds(5))
    }

    /// Writes one command line and reads the one-line answer (30 s at most).
    func command(_ line: String) throws -> String {
        try lock.withLock {
            try process.standardInput!.write(line + "\n")
            guard let answer = process.standardOutput!.readLine(timeout: .seconds(30)) else {
                throw HTTPTestServerError(message: "no answer from the test server to \(line)")
            }
            return answer.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// One command and its answer at a time.
    private let lock = NSLock()
}
