import Foundation

/// Runs the system tools the demo drives (`ip`, `iptables`, `git`) and reports failures with
/// the command and its output.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var output: String
        var description: String { "`\(command.joined(separator: " "))` exited \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))" }
    }

    /// Runs `arguments[0]` (looked up on PATH) and returns its standard output; throws on a
    /// non-zero exit unless `check` is false.
    @discardableResult
    static func run(_ arguments: [String], check: Bool = true, environment: [String: String]? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if check, process.terminationStatus != 0 {
            throw Failure(command: arguments, status: process.terminationStatus, output: output)
        }
        return output
    }

    /// Whether `tool` is on PATH.
    static func has(_ tool: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(tool)"], check: true)) != nil
    }
}
