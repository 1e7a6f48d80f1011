import AeolusModel
import AeolusTesting
import CurlKit
import Foundation
import Testing

/// What the end-to-end tests through the `aeolus` binary share: files of the example config
/// repository, a bare repository served by `git daemon`, pushes with the git CLI, the webhook, the
/// status branch read back with git. The dictator and its agents share the token `agent-token`.
struct EndToEnd {
    static let root = AeolusBinary.repositoryRoot()
    static let example = root + "/config-repo-example"
    let client = HTTPClient(bearerToken: "agent-token")

    /// The example's files at `paths`.
    static func exampleFiles(_ paths: [String]) throws -> [String: String] {
        var files: [String: String] = [:]
        for path in paths { files[path] = try String(contentsOfFile: example + "/" + path, encoding: .utf8) }
        return files
    }

    /// The example's files of `template` (`template.yaml`, `probe.bpf.c`).
    static func templatePaths(_ template: String) -> [String] {
        ["templates/\(template)/template.yaml", "templates/\(template)/probe.bpf.c"]
    }

    /// A policy for `template` on nodes labelled `role: worker` (and on pods labelled `app: web`
    /// when `pods`).
    static func policy(_ name: String, template: String, pods: Bool = false) -> String {
        """
        apiVersion: aeolus.io/v1alpha1
        kind: ProbePolicy
        metadata: {name: \(name), namespace: e2e}
        spec:
          template: \(template)
          selector:
            nodes: {matchLabels: {role: worker}}
        """ + (pods ? "\n    pods: {namespace: default, matchLabels: {app: web}}" : "")
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// A bare repository holding `files`, served by `git daemon` from `temp`, and the token file
    /// the dictator and its agents share (`temp.path("token")`).
    static func serve(_ files: [String: String], in temp: TemporaryDirectory) async throws -> (daemon: GitDaemon, bare: String) {
        let base = temp.path("served")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let bare = base + "/config.git"
        try await Git.makeBareRepository(at: bare, files: files)
        try "agent-token\n".write(toFile: temp.path("token"), atomically: true, encoding: .utf8)
        return (try GitDaemon(baseDirectory: base), bare)
    }

    /// `aeolus dictator` arguments for the repository `daemon` serves: poll every 30 s (the
    /// webhook must be what brings changes in), status every 200 ms, state under `temp`.
    static func dictatorArguments(_ daemon: GitDaemon, in temp: TemporaryDirectory) -> [String] {
        ["--repo", daemon.url("config.git"), "--poll", "30s", "--workdir", temp.path("workdir"),
         "--status-interval", "200ms", "--heartbeat", "1s", "--token-file", temp.path("token")]
    }

    /// Waits until the dictator answers `/readyz` with 200 (over HTTPS with `tls` when it serves TLS).
    func waitReady(_ dictator: DictatorProcess, tls: TLSOptions = TLSOptions()) async throws {
        var client = client
        client.tls = tls
        let ready = await Self.eventually(120) {
            guard dictator.isRunning else { return false }
            let response = try? await client.send(HTTPRequest(url: dictator.url + "/readyz", timeout: .seconds(2)))
            return response?.status == 200
        }
        #expect(ready, "dictator not ready:\n\(dictator.log)")
    }

    /// Registers a fake agent `node-a` labelled `role: worker` (what `policy(_:template:)`
    /// selects); the dictator's answer carries its first assignment.
    func registerWorker(_ dictator: DictatorProcess) async throws -> HTTPResponse {
        let registration = AgentRegistration(node: "node-a", labels: ["role": "worker"], kernelVersion: "6.18", hooks: Hook.supported)
        return try await client.send(HTTPRequest(method: .post, url: dictator.url + AgentAPI.agents,
                                                 headers: ["Content-Type": "application/json"],
                                                 body: Array(try JSONEncoder().encode(registration)), timeout: .seconds(5)))
    }

    /// Commits `files` (nil deletes) in the clone `work` and pushes to `main`; returns the sha.
    func push(_ work: String, files: [String: String?], message: String) async throws -> String {
        let sha = try await Git.commit(in: work, files: files, message: message)
        try await Git.run(["-C", work, "push", "--quiet", "origin", "HEAD:refs/heads/main"])
        return sha
    }

    /// Calls the webhook as GitHub does for a push of `sha` to `main`.
    func hook(_ dictator: DictatorProcess, sha: String) async throws {
        let body = Array(#"{"ref":"refs/heads/main","after":"\#(sha)"}"#.utf8)
        let response = try await client.send(HTTPRequest(method: .post, url: dictator.url + "/hooks/git",
                                                         headers: ["Content-Type": "application/json", "X-GitHub-Event": "push"],
                                                         body: body, timeout: .seconds(5)))
        #expect(response.status == 202)
    }

    /// The messages of the status branch's commits, newest first.
    static func statusLog(_ bare: String) async -> String {
        (try? await Git.run(["--git-dir", bare, "log", "--format=%B", "aeolus/status"])) ?? ""
    }

    /// The file at `path` on the status branch (nil when it is not there).
    static func statusFile(_ bare: String, _ path: String, at revision: String = "aeolus/status") async -> String? {
        try? await Git.run(["--git-dir", bare, "show", "\(revision):\(path)"])
    }
}
