import Foundation

/// Runs a command to completion and collects its output, for test fixtures.
public enum Subprocess {
    /// What a finished command printed and returned.
    public struct Output: Sendable {
        /// Exit status (or the signal number when it was killed).
        public var status: Int32
        /// Everything written to stdout.
        public var standardOutput: String
        /// Everything written to stderr.
        public var standardError: String
    }

    /// Runs `executable` with `arguments` (environment replaced by `environment` when given),
    /// feeding `input` on stdin, and waits for it. Throws `SubprocessError` when it exits non-zero.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: String? = nil, input: String? = nil) throws -> Output {
        let output = try collect(executable, arguments, environment: environment, currentDirectory: currentDirectory, input: input)
        if output.status != 0 {
            throw SubprocessError(command: [executable] + arguments, output: output)
        }
        return output
    }

    /// Like `run`, but returns the output whatever the exit status (for commands whose status is
    /// part of what a test checks).
    public static func collect(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                               currentDirectory: String? = nil, input: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try ChildProcess.launch(process)
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        // Drain stderr concurrently so a chatty command cannot block on a full pipe.
        let errorData = ErrorBuffer()
        let reader = Thread { errorData.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorText = errorData.wait()
        let output = Output(status: process.terminationStatus,
                            standardOutput: String(decoding: outData, as: UTF8.self),
                            standardError: String(decoding: errorText, as: UTF8.self))
        return output
    }

    /// Stderr collected by the reader thread.
    private final class ErrorBuffer: @unchecked Sendable {
        // @unchecked Sendable: `data` is written once by the reader thread before `done` is
        // signalled and read only after waiting on it.
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)
        func set(_ value: Data) { data = value; done.signal() }
        func wait() -> Data { done.wait(); return data }
    }
}

/// A command exited with a non-zero status.
public struct SubprocessError: Error, CustomStringConvertible {
    /// The command line.
    public var command: [String]
    /// What it printed and returned.
    public var output: Subprocess.Output

    /// The error for `command`, which ended with `output`.
    public init(command: [String], output: Subprocess.Output) {
        self.command = command
        self.output = output
    }

    public var description: String {
        "\(command.joined(separator: " ")) exited with \(output.status): \(output.standardError)\(output.standardOutput)"
    }
}
