import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `git daemon` serving every repository under a folder over `git://127.0.0.1:<port>/`, with
/// push (receive-pack) enabled. The port is free when picked; the daemon is stopped (and
/// waited for) by `stop()` or when the object goes away: keep it alive with `defer { stop() }`.
public final class GitDaemon: Sendable {
    /// The folder whose repositories are served (`git://127.0.0.1:port/<name>` is `base/<name>`).
    public let baseDirectory: String
    /// The TCP port on 127.0.0.1.
    public let port: Int
    private let process: ChildProcess

    /// Starts the daemon and waits until it accepts connections (up to `timeout` seconds per try;
    /// a port taken between picking and binding is retried with another one). With `port` (a
    /// daemon started again where a stopped one listened, as a remote coming back) only that port
    /// is tried.
    public init(baseDirectory: String, port fixedPort: Int? = nil, timeout: TimeInterval = 5) throws {
        self.baseDirectory = baseDirectory
        var lastError = "no attempt made"
        for _ in 0..<(fixedPort == nil ? 5 : 1) {
            let port = try fixedPort ?? Self.freeLoopbackPort()
            // git-daemon itself, not `git daemon`: the `git` wrapper would stay between us and it.
            let process = try ChildProcess(Self.executable,
                                           ["--reuseaddr", "--base-path=\(baseDirectory)", "--export-all",
                                            "--enable=receive-pack", "--listen=127.0.0.1", "--port=\(port)", baseDirectory],
                                           environment: Git.environment, standardOutput: .null, standardError: .null)
            if Self.waitUntilAccepting(port: port, process: process, timeout: timeout) {
                self.port = port
                self.process = process
                return
            }
            lastError = process.exitStatus.map { "\($0) on port \(port)" } ?? "not accepting on 127.0.0.1:\(port) after \(timeout) s"
            process.killSynchronously()
        }
        throw GitDaemonError(message: "git daemon did not start: \(lastError)")
    }

    deinit {
        stop()
    }

    /// `git://127.0.0.1:<port>/<repository>` for a repository under `baseDirectory`.
    public func url(_ repository: String) -> String {
        "git://127.0.0.1:\(port)/\(repository)"
    }

    /// Kills the daemon (SIGKILL: nothing of it needs a graceful end) and waits for it; calling
    /// it twice is harmless. Connections already accepted run to completion in their own child
    /// processes.
    public func stop() {
        process.killSynchronously()
    }

    /// `/usr/lib/git-core/git-daemon` (from `git --exec-path`).
    private static let executable: String = {
        let execPath = (try? Git.runBlocking(["--exec-path"])) ?? "/usr/lib/git-core"
        return (execPath as NSString).appendingPathComponent("git-daemon")
    }()

    /// A port on 127.0.0.1 nothing listens on (see `LoopbackPort.free`).
    static func freeLoopbackPort() throws -> Int { try LoopbackPort.free() }

    /// Polls until a TCP connection to 127.0.0.1:`port` succeeds, the process dies, or time is up.
    private static func waitUntilAccepting(port: Int, process: ChildProcess, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && process.isRunning {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            var address = loopback(port: port)
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return true }
            usleep(20_000)
        }
        return false
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        return address
    }
}

/// The git daemon could not be started.
public struct GitDaemonError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    public var description: String { message }
}
