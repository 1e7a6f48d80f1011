import AeolusModel
import Foundation
import Logging
import Yams

/// The standalone desired set: a local JSON or YAML file, re-read when it (or an object it
/// names) changes, like kubelet's static pods.
///
/// ```yaml
/// revision: 3                     # optional: counts changes when absent
/// probes:
///   - id: policy/default/pod-traffic
///     template: pod-traffic       # optional: defaults to the id
///     objectPath: pod-traffic.o   # relative to this file
///     digest: sha256:…            # optional: computed from the object, checked when given
///     programs:
///       - {name: count_ingress, hook: tc-ingress}            # or hook: tc, direction: ingress
///       - {name: count_egress, hook: tc-egress, attachTo: host}
///       - {name: on_set_state, hook: tracepoint, target: sock/inet_sock_set_state}
///     pods: {namespace: default, matchLabels: {app: web}}   # optional: every pod
///     parameters: {dport: "53"}    # shown in the state only
///     load: {rodata: {dport: [0, 53]}, maxEntries: {flows: 1024}}
///     metrics: []                  # MetricSpec list, copied to probes.json for the collector
/// ```
public struct AssignmentFile: DesiredSource {
    /// The file's path.
    public var path: String
    /// The node the assignments are for.
    public var node: String
    /// How often the file's and objects' modification times are checked.
    public var pollInterval: Duration
    /// Where read errors are reported (the last good set stays in force).
    public var logger: Logger

    /// Creates a source reading `path` for `node`.
    public init(path: String, node: String, pollInterval: Duration = .milliseconds(100),
                logger: Logger = Logger(label: "aeolus.agent.assignments")) {
        self.path = path
        self.node = node
        self.pollInterval = pollInterval
        self.logger = logger
    }

    struct Document: Decodable {
        var revision: Int64?
        var probes: [Probe]?
    }

    struct Probe: Decodable {
        var id: String
        var template: String?
        var objectPath: String?
        var digest: String?
        var programs: [Program]
        var pods: PodSelector?
        var parameters: [String: String]?
        var load: Load?
        var metrics: [MetricSpec]?
    }

    struct Program: Decodable {
        var name: String
        var hook: String
        var direction: String?
        var target: String?
        var attachTo: InterfaceSide?
    }

    struct Load: Decodable {
        var rodata: [String: [UInt8]]?
        var maxEntries: [String: UInt32]?
    }

    /// Parses the file's current content (objects are read to compute missing digests; an
    /// unreadable object gets an empty digest and fails when applied).
    public func read(revision fallback: Int64 = 0) throws -> NodeAssignment {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw AgentError.inputUnreadable(path: path, reason: "\(error)")
        }
        let document: Document
        do {
            document = text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                ? Document() : try YAMLDecoder().decode(Document.self, from: text)
        } catch {
            throw AgentError.inputUnreadable(path: path, reason: "\(error)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        let probes = try (document.probes ?? []).map { probe -> ProbeAssignment in
            let programs = try probe.programs.map { program -> TemplateProgram in
                guard let hook = Hook(name: program.hook, direction: program.direction) else {
                    throw AgentError.inputUnreadable(path: path, reason: "probe \(probe.id): program \(program.name): unknown hook '\(program.hook)'\(program.direction.map { " with direction '\($0)'" } ?? "")")
                }
                return TemplateProgram(name: program.name, hook: hook, target: program.target, attachTo: program.attachTo ?? .pod)
            }
            let objectPath = probe.objectPath.map { $0.hasPrefix("/") ? $0 : "\(folder)/\($0)" }
            let digest = probe.digest ?? objectPath.flatMap { FileManager.default.contents(atPath: $0) }
                .map { AgentPaths.digest(of: [UInt8]($0)) } ?? ""
            return ProbeAssignment(id: probe.id, template: probe.template ?? probe.id, digest: digest, objectPath: objectPath,
                                   programs: programs,
                                   load: LoadSettings(rodata: probe.load?.rodata ?? [:], maxEntries: probe.load?.maxEntries ?? [:]),
                                   parameters: probe.parameters ?? [:], pods: probe.pods, metrics: probe.metrics ?? [])
        }
        return NodeAssignment(node: node, revision: document.revision ?? fallback, probes: probes)
    }

    /// Modification time and size of the file and the objects it names (what a change is).
    private func signature(of assignment: NodeAssignment?) -> [String] {
        let files = [path] + (assignment?.probes.compactMap(\.objectPath) ?? [])
        return files.map { file in
            var info = stat()
            guard stat(file, &info) == 0 else { return "\(file):missing" }
            return "\(file):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_size):\(info.st_ino)"
        }
    }

    public func assignments() -> AsyncThrowingStream<NodeAssignment, Error> {
        let source = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                var last: NodeAssignment?
                var lastSignature: [String] = []
                var lastError: String?
                var counter: Int64 = 0
                while !Task.isCancelled {
                    let signature = source.signature(of: last)
                    if signature != lastSignature {
                        lastSignature = signature
                        do {
                            let assignment = try source.read(revision: counter + 1)
                            lastSignature = source.signature(of: assignment)
                            lastError = nil
                            if last == nil || assignment.probes != last?.probes {
                                counter += 1
                                last = assignment
                                continuation.yield(assignment)
                            }
                        } catch {
                            // Keep the last good set; say so once per distinct error.
                            if "\(error)" != lastError {
                                lastError = "\(error)"
                                source.logger.error("keeping the last good assignments: \(error)")
                            }
                        }
                    }
                    try? await Task.sleep(for: source.pollInterval)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
