import Foundation
import Yams

/// One YAML node and the field path that leads to it (`spec.parameters[1].type`).
struct YAMLField {
    let node: Node
    let path: String

    /// The path of a key below this field: `a.b`, or `a["x.y/z"]` when the key is not a plain word.
    func childPath(_ key: String) -> String {
        let plain = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        if !plain { return "\(path)[\"\(key)\"]" }
        return path.isEmpty ? key : "\(path).\(key)"
    }

    /// The path of the `index`-th element below this field.
    func elementPath(_ index: Int) -> String { "\(path)[\(index)]" }

    /// What kind of node this is, for messages.
    var kindName: String {
        switch node {
        case .scalar: return isNull ? "null" : "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// Whether the node is YAML null (`~`, `null` or nothing).
    var isNull: Bool {
        guard case let .scalar(s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// The scalar text, if the node is a non-null scalar.
    var scalarText: String? {
        guard case let .scalar(s) = node, !isNull else { return nil }
        return s.string
    }
}

/// The keys of one YAML mapping, checked against the keys a schema allows.
struct MappingFields {
    let decoder: NodeDecoder
    let field: YAMLField
    /// Key → value, in document order.
    let entries: [(key: String, value: YAMLField)]
    /// Known keys that an unknown key was reported as a likely misspelling of.
    let misspelt: Set<String>

    /// The value of `key`, or nil when it is absent or null.
    subscript(key: String) -> YAMLField? {
        guard let value = entries.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    /// Whether `key` is present (even as null).
    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The value of `key`, or a "missing required field" diagnostic.
    func required(_ key: String) -> YAMLField? {
        if let value = self[key] { return value }
        if misspelt.contains(key) { return nil } // already reported as "unknown field ... did you mean"
        decoder.error(at: field.node, path: field.childPath(key), "missing required field \"\(key)\"")
        return nil
    }
}

/// Walks Yams `Node`s for one file, collecting diagnostics with file:line:column and field path
/// instead of stopping at the first problem, and recording where every field was found.
final class NodeDecoder {
    let file: String
    private(set) var diagnostics = Diagnostics()
    private(set) var sourceMap: SourceMap

    init(file: String) {
        self.file = file
        sourceMap = SourceMap(file: file)
    }

    // MARK: Reporting

    func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(file: file) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func error(at node: Node?, path: String, _ message: String) {
        diagnostics.append(Diagnostic(.error, at: location(node), path: path, message))
    }

    func warning(at node: Node?, path: String, _ message: String) {
        diagnostics.append(Diagnostic(.warning, at: location(node), path: path, message))
    }

    func error(_ field: YAMLField, _ message: String) { error(at: field.node, path: field.path, message) }
    func warning(_ field: YAMLField, _ message: String) { warning(at: field.node, path: field.path, message) }

    func append(_ other: Diagnostics) { diagnostics.append(contentsOf: other) }

    private func record(_ path: String, _ node: Node) {
        guard let mark = node.mark, sourceMap.positions[path] == nil else { return }
        sourceMap.positions[path] = .init(line: mark.line, column: mark.column)
    }

    /// The root field of a document.
    /// A decoder for `file` holding the parse diagnostics of `data`, and its one document of
    /// `kind` — nil (after reporting why, unless parsing already failed) when there is none or
    /// more than one.
    static func singleDocument(_ data: Data, file: String, kind: String) -> (NodeDecoder, Node?) {
        var diagnostics = Diagnostics()
        let documents = YAMLText.documents(data, file: file, diagnostics: &diagnostics)
        let decoder = NodeDecoder(file: file)
        decoder.append(diagnostics)
        guard documents.count == 1, let document = documents.first else {
            if !diagnostics.hasErrors {
                decoder.error(at: documents.dropFirst().first, path: "",
                              documents.isEmpty ? "the file is empty (expected a \(kind) document)"
                                                : "expected one \(kind) document, found \(documents.count)")
            }
            return (decoder, nil)
        }
        return (decoder, document)
    }

    func root(_ node: Node) -> YAMLField {
        record("", node)
        return YAMLField(node: node, path: "")
    }

    // MARK: Structure

    /// The entries of a mapping whose keys must come from `known`; any other key is an error with a
    /// did-you-mean suggestion. Pass `known: nil` for an open mapping (labels, parameters).
    func mapping(_ field: YAMLField, known: [String]?) -> MappingFields? {
        guard case let .mapping(mapping) = field.node else {
            error(field, "expected a mapping, found \(field.kindName)")
            return nil
        }
        var entries: [(key: String, value: YAMLField)] = []
        var misspelt = Set<String>()
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                error(at: keyNode, path: field.path, "a mapping key must be a scalar")
                continue
            }
            let path = field.childPath(key)
            if let known, !known.contains(key) {
                let suggestion = Suggestion.closest(to: key, in: known)
                if let suggestion { misspelt.insert(suggestion) }
                error(at: keyNode, path: path, "unknown field \"\(key)\"" + (suggestion.map { " (did you mean \"\($0)\"?)" } ?? ""))
                continue
            }
            record(path, keyNode)
            entries.append((key, YAMLField(node: valueNode, path: path)))
        }
        return MappingFields(decoder: self, field: field, entries: entries, misspelt: misspelt)
    }

    /// The elements of a list.
    func sequence(_ field: YAMLField) -> [YAMLField]? {
        guard case let .sequence(sequence) = field.node else {
            error(field, "expected a list, found \(field.kindName)")
            return nil
        }
        return sequence.enumerated().map { index, node in
            let path = field.elementPath(index)
            record(path, node)
            return YAMLField(node: node, path: path)
        }
    }

    // MARK: Scalars

    /// The text of a scalar.
    func string(_ field: YAMLField) -> String? {
        guard let text = field.scalarText else {
            error(field, "expected a string, found \(field.kindName)")
            return nil
        }
        return text
    }

    /// A scalar that must not be empty.
    func nonEmptyString(_ field: YAMLField) -> String? {
        guard let text = string(field) else { return nil }
        if text.isEmpty { error(field, "must not be empty"); return nil }
        return text
    }

    /// A name usable as a C identifier (parameter, map and program names).
    func identifier(_ field: YAMLField, what: String) -> String? {
        guard let text = nonEmptyString(field) else { return nil }
        guard Identifier.isC(text) else {
            error(field, "\(what) \"\(text)\" is not a C identifier (letters, digits and _, not starting with a digit)")
            return nil
        }
        return text
    }

    /// An integer in decimal or 0x hex, within `T`'s range.
    func integer<T: FixedWidthInteger>(_ field: YAMLField, _ type: T.Type = T.self, minimum: T? = nil) -> T? {
        guard let text = string(field) else { return nil }
        guard let value = IntegerText.parse(text, as: T.self) else {
            error(field, "expected an integer between \(minimum ?? T.min) and \(T.max), found \"\(text)\"")
            return nil
        }
        if let minimum, value < minimum {
            error(field, "must be at least \(minimum), found \(value)")
            return nil
        }
        return value
    }

    /// A number (integer or decimal).
    func number(_ field: YAMLField) -> Double? {
        guard let text = string(field) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error(field, "expected a number, found \"\(text)\"")
            return nil
        }
        return value
    }

    /// `true` or `false`.
    func bool(_ field: YAMLField) -> Bool? {
        guard let text = string(field) else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            error(field, "expected true or false, found \"\(text)\"")
            return nil
        }
    }

    /// A duration such as `5s`, `100ms`, `1m30s`.
    func timeSpan(_ field: YAMLField) -> TimeSpan? {
        guard let text = string(field) else { return nil }
        do { return try TimeSpan(parsing: text) } catch let failure {
            error(field, failure.message)
            return nil
        }
    }

    /// One of an enumeration's raw values.
    func choice<E: RawRepresentable & CaseIterable>(_ field: YAMLField, _ type: E.Type, what: String) -> E?
        where E.RawValue == String {
        guard let text = string(field) else { return nil }
        if let value = E(rawValue: text) { return value }
        let names = E.allCases.map(\.rawValue)
        error(field, "unknown \(what) \"\(text)\" (expected one of \(names.joined(separator: ", ")))"
            + Suggestion.hint(for: text, in: names))
        return nil
    }

    /// A list of scalars; a single scalar is not accepted.
    func stringList(_ field: YAMLField) -> [String]? {
        guard let elements = sequence(field) else { return nil }
        let strings = elements.compactMap { string($0) }
        return strings.count == elements.count ? strings : nil
    }

    /// A mapping of scalar keys to scalar values (labels, parameters).
    func stringMap(_ field: YAMLField) -> [String: String]? {
        guard let fields = mapping(field, known: nil) else { return nil }
        var result: [String: String] = [:]
        var ok = true
        for (key, value) in fields.entries {
            if value.isNull { result[key] = ""; continue }
            if let text = string(value) { result[key] = text } else { ok = false }
        }
        return ok ? result : nil
    }

    /// Checks `apiVersion` and `kind` of a document's root mapping.
    func header(_ fields: MappingFields, kind: String) {
        if let field = fields.required("apiVersion"), let text = string(field), text != AeolusAPI.version {
            error(field, "unsupported apiVersion \"\(text)\" (expected \"\(AeolusAPI.version)\")")
        }
        if let field = fields.required("kind"), let text = string(field), text != kind {
            error(field, "expected kind \"\(kind)\", found \"\(text)\"")
        }
    }
}

/// Checks for names that must be C identifiers.
enum Identifier {
    /// Whether `text` is a C identifier.
    static func isC(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII,
              first == "_" || first.properties.isAlphabetic else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}

/// Integer text in decimal, `0x` hex, `0o` octal or `0b` binary, with an optional sign and `_` separators.
enum IntegerText {
    /// The value of `text` as `T`, nil if it is not an integer or out of range.
    static func parse<T: FixedWidthInteger>(_ text: String, as type: T.Type = T.self) -> T? {
        let cleaned = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        var body = cleaned[...]
        var negative = false
        if body.hasPrefix("-") { negative = true; body = body.dropFirst() } else if body.hasPrefix("+") { body = body.dropFirst() }
        var radix = 10
        let lower = body.lowercased()
        if lower.hasPrefix("0x") { radix = 16 } else if lower.hasPrefix("0o") { radix = 8 } else if lower.hasPrefix("0b") { radix = 2 }
        if radix != 10 { body = body.dropFirst(2) }
        guard !body.isEmpty, !body.hasPrefix("-"), !body.hasPrefix("+") else { return nil }
        guard let magnitude = UInt64(body, radix: radix) else { return nil }
        if negative {
            guard T.isSigned else { return magnitude == 0 ? 0 : nil }
            guard magnitude <= UInt64(T.max) + 1 else { return nil }
            return magnitude == UInt64(T.max) + 1 ? T.min : T(0) - T(magnitude)
        }
        return T(exactly: magnitude)
    }
}
