import Foundation

/// Runs an external program and captures its output (the `ip` and `clang` the fixtures drive).
enum KernelFixtureCommand {
    /// What a finished program printed, and how it ended.
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `executable` with `arguments` and waits for it.
    static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        let output = try Subprocess.collect(executable, arguments)
        return Output(status: output.status, stdout: output.standardOutput, stderr: output.standardError)
    }

    /// Runs and throws `FixtureError` unless the program exits with 0.
    @discardableResult
    static func check(_ executable: String, _ arguments: [String]) throws -> String {
        let output = try run(executable, arguments)
        guard output.status == 0 else {
            throw FixtureError(command: ([executable] + arguments).joined(separator: " "),
                               status: output.status, output: output.stderr + output.stdout)
        }
        return output.stdout
    }
}

/// A fixture command that failed: what ran, its exit status and what it said.
public struct FixtureError: Error, CustomStringConvertible {
    /// The command line.
    public let command: String
    /// Its exit status.
    public let status: Int32
    /// Its stderr and stdout.
    public let output: String

    public var description: String { "`\(command)` exited with \(status): \(output)" }
}
