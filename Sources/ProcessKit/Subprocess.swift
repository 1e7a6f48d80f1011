import Foundation

/// Runs a command to completion and collects its output (tools, fixtures, clang).
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
    /// Blocks the calling thread: from async code use the async overload.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: String? = nil, input: String? = nil) throws -> Output {
        let output = try collect(executable, arguments, environment: environment, currentDirectory: currentDirectory, input: input)
        if output.status != 0 {
            throw SubprocessError(command: [executable] + arguments, output: output)
        }
        return output
    }

    /// `run` on a thread of its own: suspends without holding a thread of the cooperative pool.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: String? = nil, input: String? = nil) async throws -> Output {
        try await DedicatedThread.run("ProcessKit run") {
            try run(executable, arguments, environment: environment, currentDirectory: currentDirectory, input: input)
        }
    }

    /// `collect` on a thread of its own: suspends without holding a thread of the cooperative pool.
    public static func collect(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                               currentDirectory: String? = nil, input: String? = nil) async throws -> Output {
        try await DedicatedThread.run("ProcessKit collect") {
            try collect(executable, arguments, environment: environment, currentDirectory: currentDirectory, input: input)
        }
    }

    /// Like `run`, but returns the output whatever the exit status (for commands whose status is
    /// part of what a test checks). Blocks the calling thread: from async code use the async overload.
    public static func collect(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                               currentDirectory: String? = nil, input: String? = nil) throws -> Output {
        let child = try ChildProcess(executable, arguments, environment: environment, currentDirectory: currentDirectory,
                                     standardInput: input == nil ? .null : .pipe, standardOutput: .pipe, standardError: .pipe)
        // Feed stdin and drain stderr on threads of their own, stdout here: a command that fills
        // one pipe while we wait on another cannot block.
        if let input, let writer = child.standardInput {
            DedicatedThread.start("ProcessKit stdin") {
                try? writer.write(input)
                writer.close()
            }
        }
        let errors = DedicatedThread.pending("ProcessKit stderr") { child.standardError!.readToEnd() }
        let output = child.standardOutput!.readToEnd()
        let status = child.waitSynchronously()
        return Output(status: status.code, standardOutput: String(decoding: output, as: UTF8.self),
                      standardError: String(decoding: errors.value, as: UTF8.self))
    }
}

/// A command exited with a non-zero status.
public struct SubprocessError: Error, CustomStringConvertible, Sendable {
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
