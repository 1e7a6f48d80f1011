import Foundation
import ProcessKit

/// The processes of the demo — git daemon, dictator, agent, collector, Prometheus — each with its
/// log file, started with signals unblocked and stopped (SIGTERM, then SIGKILL) in reverse order.
final class DemoServices: @unchecked Sendable {
    // @unchecked Sendable: `started` is only touched from the demo's own thread.
    struct Started {
        var name: String
        var process: ChildProcess
        var log: String
    }

    private var started: [Started] = []
    let logDirectory: String

    init(logDirectory: String) throws {
        self.logDirectory = logDirectory
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
    }

    /// Starts `executable` with `arguments`; its output goes to `<logs>/<name>.log`.
    @discardableResult
    func start(_ name: String, _ executable: String, _ arguments: [String]) throws -> ChildProcess {
        let log = "\(logDirectory)/\(name).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = try ChildProcess(executable, arguments, standardOutput: .file(log), standardError: .file(log))
        started.append(Started(name: name, process: process, log: log))
        return process
    }

    /// The names of processes that exited although nobody stopped them.
    var exited: [String] { started.filter { !$0.process.isRunning }.map(\.name) }

    /// The last lines of a process's log (for a failure report).
    func tail(_ name: String, lines: Int = 15) -> String {
        guard let entry = started.first(where: { $0.name == name }),
              let text = try? String(contentsOfFile: entry.log, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Stops every process, the last started first.
    func stopAll() {
        for entry in started.reversed() { entry.process.terminateSynchronously(grace: .seconds(10)) }
        started.removeAll()
    }

    /// A TCP port that was free a moment ago on 127.0.0.1.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DemoError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw DemoError("cannot find a free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A demo failure, with a message for the person watching.
struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
