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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try ChildProcess.launch(process)
        // Read both pipes before waiting so a chatty program cannot block on a full pipe.
        let errData = LockedData()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData.get(), as: UTF8.self))
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

/// Data handed from a reader thread.
///
/// `@unchecked Sendable`: guarded by `lock`.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    func get() -> Data { lock.withLock { data ?? Data() } }
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
