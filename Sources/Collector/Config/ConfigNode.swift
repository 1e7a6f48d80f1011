import AeolusModel
import Foundation
import Yams

/// Collects the problems found while reading one config file.
///
/// `@unchecked Sendable`: used by one thread at a time while a config is read (guarded by `lock`
/// all the same).
public final class ConfigIssues: @unchecked Sendable {
    /// The file being read.
    public let file: String
    private let lock = NSLock()
    private var found: [ConfigError] = []

    /// Issues of `file`.
    public init(file: String) { self.file = file }

    /// The problems so far.
    public var errors: [ConfigError] { lock.withLock { found } }

    /// Records a problem at `node` (its line and column).
    public func report(at node: Node?, path: String, _ message: String) {
        let mark = node?.mark
        let error = ConfigError(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, path: path, message: message)
        lock.withLock { found.append(error) }
    }
}

/// One YAML node of a config file, with its field path, that reports problems with file:line.
public struct ConfigNode: @unchecked Sendable {
    // `@unchecked Sendable`: Yams nodes are immutable values once parsed.

    /// The YAML node.
    public let node: Node
    /// The field path leading here.
    public let path: String
    /// Where problems go.
    public let issues: ConfigIssues

    /// Wraps `node`.
    public init(node: Node, path: String, issues: ConfigIssues) {
        self.node = node
        self.path = path
        self.issues = issues
    }

    /// Reports a problem at this node.
    public func report(_ message: String) { issues.report(at: node, path: path, message) }

    /// Whether the node is null or empty (`key:` with nothing after it).
    public var isNull: Bool {
        guard case let .scalar(s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// The path of `key` below this node.
    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The mapping's fields, each of which must be one of `known` (else an "unknown field" error).
    /// A null node is an empty mapping. Pass `known: nil` for an open mapping.
    public func fields(known: [String]?) -> ConfigFields? {
        if isNull { return ConfigFields(owner: self, entries: []) }
        guard case let .mapping(mapping) = node else {
            report("expected a mapping, found \(kindName)")
            return nil
        }
        var entries: [(String, ConfigNode)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                issues.report(at: keyNode, path: path, "a mapping key must be a scalar")
                continue
            }
            if let known, !known.contains(key) {
                issues.report(at: keyNode, path: child(key),
                              "unknown field \"\(key)\" (known: \(known.joined(separator: ", ")))")
                continue
            }
            entries.append((key, ConfigNode(node: value, path: child(key), issues: issues)))
        }
        return ConfigFields(owner: self, entries: entries)
    }

    /// The elements of a list.
    public func list() -> [ConfigNode]? {
        guard case let .sequence(sequence) = node else {
            report("expected a list, found \(kindName)")
            return nil
        }
        return sequence.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", issues: issues) }
    }

    /// The scalar text.
    public func string() -> String? {
        guard case let .scalar(s) = node, !isNull else {
            report("expected a string, found \(kindName)")
            return nil
        }
        return s.string
    }

    /// An integer of at least `minimum`.
    public func int(minimum: Int = .min) -> Int? {
        guard let text = string() else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            report("expected an integer, found \"\(text)\"")
            return nil
        }
        guard value >= minimum else { report("must be at least \(minimum), found \(value)"); return nil }
        return value
    }

    /// A finite number.
    public func double() -> Double? {
        guard let text = string() else { return nil }
        guard let value = Double(text), value.isFinite else { report("expected a number, found \"\(text)\""); return nil }
        return value
    }

    /// `true` or `false`.
    public func bool() -> Bool? {
        guard let text = string() else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: report("expected true or false, found \"\(text)\""); return nil
        }
    }

    /// A duration such as `10s`, `250ms`, `1m30s`.
    public func duration() -> Duration? {
        guard let text = string() else { return nil }
        do {
            let span = try TimeSpan(parsing: text)
            return .nanoseconds(Int64(clamping: span.nanoseconds))
        } catch {
            report(error.message)
            return nil
        }
    }

    /// A list of strings.
    public func strings() -> [String]? {
        guard let elements = list() else { return nil }
        let values = elements.compactMap { $0.string() }
        return values.count == elements.count ? values : nil
    }

    /// A mapping of strings to strings.
    public func stringMap() -> [String: String]? {
        guard let fields = fields(known: nil) else { return nil }
        var result: [String: String] = [:]
        for (key, value) in fields.entries {
            if value.isNull { result[key] = "" } else if let text = value.string() { result[key] = text } else { return nil }
        }
        return result
    }

    /// One of `choices`.
    public func choice(_ choices: [String]) -> String? {
        guard let text = string() else { return nil }
        guard choices.contains(text) else {
            report("expected one of \(choices.joined(separator: ", ")), found \"\(text)\"")
            return nil
        }
        return text
    }

    var kindName: String {
        switch node {
        case .scalar: return isNull ? "null" : "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// The fields of one config mapping, in file order.
public struct ConfigFields: Sendable {
    /// The mapping itself.
    public let owner: ConfigNode
    /// Key and value of each field.
    public let entries: [(key: String, value: ConfigNode)]

    /// The value of `key`, nil when absent or null.
    public subscript(key: String) -> ConfigNode? {
        guard let value = entries.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    /// Reports a problem with field `key` (at the field when present, else at the mapping).
    public func report(_ key: String, _ message: String) {
        if let value = entries.first(where: { $0.key == key })?.value {
            value.report(message)
        } else {
            owner.issues.report(at: owner.node, path: owner.child(key), message)
        }
    }

    /// Reads `key` with `read` into `target` when present.
    public func read<T>(_ key: String, into target: inout T, _ read: (ConfigNode) -> T?) {
        if let node = self[key], let value = read(node) { target = value }
    }

    /// Reads an optional field.
    public func read<T>(_ key: String, into target: inout T?, _ read: (ConfigNode) -> T?) {
        if let node = self[key], let value = read(node) { target = value }
    }
}
