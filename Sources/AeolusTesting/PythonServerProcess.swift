import Foundation

/// A test server written in Python 3 (`python3 -u -c script arguments...`), bound to 127.0.0.1:
/// its first output line is `PORT <n>` once it listens; later lines answer the commands written to
/// its stdin (one line each); it exits when its stdin closes (the test process ended, even by a
/// crash). Killed and waited for on deinit.
final class PythonServerProcess: @unchecked Sendable {
    // @unchecked Sendable: the command pipe is used only while holding `lock`; the rest is immutable.
    let port: Int
    private let process: Process
    private let stdin: FileHandle
    private let stdout: FileHandle
    private let lock = NSLock()

    /// Starts the script, blocking until it printed its port (10 s at most).
    init(script: String, arguments: [String], name: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-c", script] + arguments
        let stdinPipe = Pipe(), stdoutPipe = Pipe()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = try FileHandle(forWritingTo: log)
        try ChildProcess.launch(process)
        self.process = process
        stdin = stdinPipe.fileHandleForWriting
        stdout = stdoutPipe.fileHandleForReading

        let line = Self.readLine(stdout, timeout: 10)
        guard let line, line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            process.terminate()
            process.waitUntilExit()
            let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw HTTPTestServerError(message: "python3 \(name) did not start (first line \(line.debugDescription)): \(stderr)")
        }
        self.port = port
    }

    deinit {
        try? stdin.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Writes one command line and reads the one-line answer (30 s at most).
    func command(_ line: String) throws -> String {
        try lock.withLock {
            try stdin.write(contentsOf: Data((line + "\n").utf8))
            guard let answer = Self.readLine(stdout, timeout: 30) else {
                throw HTTPTestServerError(message: "no answer from the test server to \(line)")
            }
            return answer
        }
    }

    private static func readLine(_ handle: FileHandle, timeout seconds: Int32) -> String? {
        var bytes: [UInt8] = []
        var fds = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
        while bytes.last != UInt8(ascii: "\n") {
            guard poll(&fds, 1, seconds * 1000) == 1 else { return nil }
            var byte: UInt8 = 0
            guard read(handle.fileDescriptor, &byte, 1) == 1 else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
