import Foundation
import Yams

/// A collector configuration, read and validated: every component configured, every pipeline
/// checked against them. Shaped like the OpenTelemetry Collector's:
///
/// ```yaml
/// receivers:  {ebpf: {state_dir: /run/aeolus, interval: 10s}}
/// processors: {batch: {}, "filter/events": {include: {metric_names: ["aeolus_.*"]}}}
/// exporters:  {prometheus: {endpoint: "127.0.0.1:9464"}}
/// service:
///   telemetry: {metrics: {address: "127.0.0.1:8888"}}
///   pipelines:
///     metrics: {receivers: [ebpf], processors: [batch], exporters: [prometheus]}
/// ```
public struct CollectorConfig: Sendable {
    /// One pipeline: receivers → processors (in order) → exporters.
    public struct Pipeline: Sendable {
        /// `metrics` or `metrics/name`.
        public var id: ComponentID
        /// Receiver ids.
        public var receivers: [ComponentID]
        /// Processor ids, in order.
        public var processors: [ComponentID]
        /// Exporter ids.
        public var exporters: [ComponentID]
    }

    /// The file it was read from.
    public var file: String
    /// Every configured component, by kind and id.
    public var components: [ComponentKind: [ComponentID: ConfiguredComponent]]
    /// The pipelines, in file order.
    public var pipelines: [Pipeline]
    /// Where the collector serves its own `/metrics` (`host:port`); nil for nowhere.
    public var telemetryAddress: String?

    init(file: String, telemetryAddress: String?) {
        self.file = file
        self.components = [:]
        self.pipelines = []
        self.telemetryAddress = telemetryAddress
    }

    /// The top-level sections.
    static let sections = ["receivers", "processors", "exporters", "extensions", "connectors", "service"]

    /// Reads and validates the YAML file at `path`.
    public static func load(path: String, factories: ComponentFactories = .standard) throws -> CollectorConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigErrors(errors: [ConfigError(file: path, line: 0, column: 0, path: "", message: "cannot read: \(error.localizedDescription)")])
        }
        // `${env:NAME}` anywhere in the file takes the variable's value, as in the OpenTelemetry
        // Collector (tokens and node names stay out of the file); an unset one is an error.
        return try parse(yaml: EnvironmentExpansion.expand(text, file: path), file: path, factories: factories)
    }

    /// Reads and validates YAML text; `file` names it in errors. Throws `ConfigErrors` with every problem.
    public static func parse(yaml: String, file: String, factories: ComponentFactories = .standard) throws -> CollectorConfig {
        let issues = ConfigIssues(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigErrors(errors: [ConfigError(file: file, line: 0, column: 0, path: "", message: "the file is empty")])
            }
            root = node
        } catch let error as ConfigErrors {
            throw error
        } catch let error as YamlError {
            throw ConfigErrors(errors: [ConfigError(file: file, line: 0, column: 0, path: "", message: "not valid YAML: \(error)")])
        }
        var config = CollectorConfig(file: file, telemetryAddress: "127.0.0.1:8888")
        let top = ConfigNode(node: root, path: "", issues: issues)
        if let fields = top.fields(known: sections) {
            for kind in ComponentKind.allCases {
                let (configured, declared) = readComponents(kind, fields[kind.section], factories: factories)
                config.components[kind] = configured
                config.declared[kind] = declared
            }
            for extra in ["extensions", "connectors"] {
                if let node = fields[extra] { node.report("\(extra) are not supported by the Aeolus collector") }
            }
            if let service = fields["service"] {
                config.readService(service)
            } else {
                fields.report("service", "missing required section \"service\" (with pipelines)")
            }
        }
        guard issues.errors.isEmpty else {
            throw ConfigErrors(errors: issues.errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return config
    }

    private static func readComponents(_ kind: ComponentKind, _ node: ConfigNode?,
                                       factories: ComponentFactories) -> ([ComponentID: ConfiguredComponent], Set<ComponentID>) {
        guard let node, let fields = node.fields(known: nil), case let .mapping(mapping) = node.node else { return ([:], []) }
        var result: [ComponentID: ConfiguredComponent] = [:]
        var declared = Set<ComponentID>()
        for (key, value) in fields.entries {
            let keyNode = ConfigNode(node: mapping.keys.first { $0.string == key } ?? node.node, path: value.path, issues: node.issues)
            guard let id = ComponentID(parsing: key) else {
                keyNode.report("\"\(key)\" is not a component id (type or type/name)")
                continue
            }
            declared.insert(id)
            if let component = factories.configure(kind, id: id, keyNode: keyNode, node: value) {
                result[id] = component
            }
        }
        return (result, declared)
    }

    private mutating func readService(_ node: ConfigNode) {
        guard let fields = node.fields(known: ["telemetry", "pipelines"]) else { return }
        if let telemetry = fields["telemetry"]?.fields(known: ["metrics", "logs"]),
           let metrics = telemetry["metrics"]?.fields(known: ["address", "level"]) {
            if let address = metrics["address"] {
                let text = address.string()
                telemetryAddress = text == "none" || text == "" ? nil : text
            }
            if let level = metrics["level"], level.choice(["none", "basic", "normal", "detailed"]) == "none" {
                telemetryAddress = nil
            }
        }
        guard let pipelinesNode = fields["pipelines"], let entries = pipelinesNode.fields(known: nil) else {
            fields.report("pipelines", "missing required field \"pipelines\"")
            return
        }
        if entries.entries.isEmpty { pipelinesNode.report("at least one pipeline is needed") }
        for (key, value) in entries.entries {
            guard let id = ComponentID(parsing: key), id.type == "metrics" else {
                value.report("pipeline \"\(key)\": only metrics pipelines exist (metrics or metrics/name)")
                continue
            }
            guard let parts = value.fields(known: ["receivers", "processors", "exporters"]) else { continue }
            func ids(_ kind: ComponentKind, required: Bool) -> [ComponentID] {
                guard let list = parts[kind.section] else {
                    if required { parts.report(kind.section, "a pipeline needs at least one \(kind.rawValue)") }
                    return []
                }
                guard let elements = list.list() else { return [] }
                if required && elements.isEmpty { list.report("a pipeline needs at least one \(kind.rawValue)") }
                var seen = Set<ComponentID>()
                return elements.compactMap { element in
                    guard let text = element.string() else { return nil }
                    guard let id = ComponentID(parsing: text), declared[kind]?.contains(id) == true else {
                        element.report("\(kind.rawValue) \"\(text)\" is not configured in \"\(kind.section)\"")
                        return nil
                    }
                    guard seen.insert(id).inserted else {
                        element.report("\(kind.rawValue) \"\(text)\" is listed twice")
                        return nil
                    }
                    return id
                }
            }
            pipelines.append(Pipeline(id: id, receivers: ids(.receiver, required: true),
                                      processors: ids(.processor, required: false),
                                      exporters: ids(.exporter, required: true)))
        }
    }

    /// Ids declared in the sections, valid or not (an invalid one was reported already).
    private var declared: [ComponentKind: Set<ComponentID>] = [:]
}
