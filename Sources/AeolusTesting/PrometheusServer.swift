import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Prometheus server (Debian's `prometheus`) for tests, on 127.0.0.1 with a temporary
/// config and storage directory and a free port. Scrapes `scrapeTargets` every second; with
/// `remoteWriteReceiver` it accepts remote write on `/api/v1/write`. Killed and its directory
/// removed on `stop()` or deinit.
///
/// `@unchecked Sendable`: immutable after `init`; `stop` is guarded by `lock`.
public final class PrometheusServer: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:port`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// The remote-write URL (only served with `remoteWriteReceiver`).
    public var remoteWriteURL: String { baseURL + "/api/v1/write" }
    private let directory: String
    private let process: ChildProcess
    private let lock = NSLock()
    private var stopped = false

    /// The Prometheus binary.
    public static let binary = "/usr/bin/prometheus"

    /// Starts Prometheus and waits (up to 30 s) until `/-/ready` answers, on a thread of its own.
    public static func start(scrapeTargets: [String] = [], remoteWriteReceiver: Bool = false,
                             remoteWrite: (url: String, bearerToken: String?)? = nil) async throws -> PrometheusServer {
        try await offThePool {
            try PrometheusServer(scrapeTargets: scrapeTargets, remoteWriteReceiver: remoteWriteReceiver, remoteWrite: remoteWrite)
        }
    }

    /// Starts Prometheus, blocking until it is ready.
    /// With `remoteWrite`, Prometheus also scrapes itself and remote-writes everything it scrapes
    /// to that URL (a real remote-write sender for receivers under test).
    public init(scrapeTargets: [String] = [], remoteWriteReceiver: Bool = false,
                remoteWrite: (url: String, bearerToken: String?)? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-prometheus-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        port = try Self.freePort()
        let targets = (scrapeTargets + (remoteWrite == nil ? [] : ["127.0.0.1:\(port)"])).map { "\"\($0)\"" }.joined(separator: ", ")
        var config = """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: collector
                static_configs: [{targets: [\(targets)]}]

            """
        if let remoteWrite {
            config += """
                remote_write:
                  - url: \(remoteWrite.url)
                    queue_config: {batch_send_deadline: 1s}

                """
            if let token = remoteWrite.bearerToken { config += "    authorization: {type: Bearer, credentials: \(token)}\n" }
        }
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        process = try ChildProcess(Self.binary,
                                   ["--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
                                       + (remoteWriteReceiver ? ["--web.enable-remote-write-receiver"] : []),
                                   standardOutput: .file(directory + "/log"), standardError: .file(directory + "/log"))
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.isRunning { break }
            if (try? Self.get("http://127.0.0.1:\(port)/-/ready").status) == 200 { return }
            usleep(50_000)
        }
        let output = (try? String(contentsOfFile: directory + "/log", encoding: .utf8)) ?? ""
        stop()
        throw FixtureError(command: "prometheus", status: -1, output: "not ready within 30 s: \(output)")
    }

    deinit { stop() }

    /// Kills Prometheus and removes its directory (idempotent).
    public func stop() {
        let first = lock.withLock { () -> Bool in defer { stopped = true }; return !stopped }
        guard first else { return }
        process.terminateSynchronously(grace: .seconds(10))
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// One sample of an instant query's result.
    public struct Sample: Sendable, Equatable {
        /// The series' labels, `__name__` included.
        public let labels: [String: String]
        /// The value.
        public let value: Double
    }

    /// Runs an instant query (`/api/v1/query`) and returns the vector's samples.
    public func query(_ promql: String) throws -> [Sample] {
        var components = URLComponents(string: baseURL + "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        let (status, body) = try Self.get(components.url!.absoluteString)
        guard status == 200,
              let document = try JSONSerialization.jsonObject(with: body) as? [String: Any],
              let data = document["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else {
            throw FixtureError(command: "GET /api/v1/query?query=\(promql)", status: Int32(status), output: String(decoding: body, as: UTF8.self))
        }
        return result.compactMap { entry in
            guard let metric = entry["metric"] as? [String: String], let pair = entry["value"] as? [Any],
                  pair.count == 2, let text = pair[1] as? String, let value = Double(text) else { return nil }
            return Sample(labels: metric, value: value)
        }
    }

    /// Polls `query` until `condition` holds for its result (or `timeout` passes); returns the last result.
    public func waitFor(_ promql: String, timeout: TimeInterval = 20,
                        until condition: ([Sample]) -> Bool) async throws -> [Sample] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [Sample] = []
        while Date() < deadline {
            last = try await offThePool { [self] in try query(promql) }
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }

    /// A blocking GET (fixture use only).
    static func get(_ url: String) throws -> (status: Int, body: Data) {
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 5
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.set(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data ?? Data(), error: error)
            done.signal()
        }.resume()
        done.wait()
        return try box.get()
    }

    /// A port of 127.0.0.1 nothing listens on (see `LoopbackPort.free`).
    public static func freePort() throws -> Int { try LoopbackPort.free() }
}

/// A response handed from URLSession's callback thread.
///
/// `@unchecked Sendable`: written once before the semaphore signals, read after it.
private final class ResponseBox: @unchecked Sendable {
    private var status = 0
    private var body = Data()
    private var error: (any Error)?
    func set(status: Int, body: Data, error: (any Error)?) { self.status = status; self.body = body; self.error = error }
    func get() throws -> (status: Int, body: Data) {
        if let error { throw error }
        return (status, body)
    }
}
