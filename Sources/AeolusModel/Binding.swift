import Foundation

/// The value given to one follow-up parameter: a literal (`443`) or a text with `{labels.x}`
/// placeholders filled from the triggering event's labels (`{labels.saddr}`). `{{` and `}}` write braces.
public struct Binding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One piece of the text.
    public enum Part: Sendable, Hashable {
        case literal(String)
        case label(String)
    }

    /// The text as written.
    public let text: String
    /// The parsed pieces.
    public let parts: [Part]

    /// A syntax problem in a binding text.
    public struct SyntaxError: Error, Sendable, Equatable {
        /// What was wrong.
        public var message: String
    }

    /// Parses `text`.
    public init(_ text: String) throws(SyntaxError) {
        self.text = text
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let c = rest.first {
            if rest.hasPrefix("{{") { literal += "{"; rest = rest.dropFirst(2); continue }
            if rest.hasPrefix("}}") { literal += "}"; rest = rest.dropFirst(2); continue }
            if c == "}" { throw SyntaxError(message: "unmatched \"}\" in \"\(text)\" (write }} for a brace)") }
            if c == "{" {
                guard let close = rest.firstIndex(of: "}") else {
                    throw SyntaxError(message: "unclosed \"{\" in \"\(text)\"")
                }
                let reference = rest[rest.index(after: rest.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                guard reference.hasPrefix("labels."), reference.count > 7 else {
                    throw SyntaxError(message: "unknown placeholder \"{\(reference)}\" in \"\(text)\" (expected {labels.<name>})")
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(.label(String(reference.dropFirst(7))))
                rest = rest[rest.index(after: close)...]
                continue
            }
            literal.append(c)
            rest = rest.dropFirst()
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The labels the binding reads.
    public var labelReferences: [String] {
        parts.compactMap { if case let .label(name) = $0 { return name } else { return nil } }
    }

    /// The literal value when the binding reads no label.
    public var literalValue: String? {
        labelReferences.isEmpty ? parts.map { if case let .literal(s) = $0 { return s } else { return "" } }.joined() : nil
    }

    /// The text with placeholders replaced by `labels`; nil when a referenced label is missing.
    public func render(labels: [String: String]) -> String? {
        var result = ""
        for part in parts {
            switch part {
            case let .literal(s): result += s
            case let .label(name):
                guard let value = labels[name] else { return nil }
                result += value
            }
        }
        return result
    }

    public var description: String { text }

    public static func == (lhs: Binding, rhs: Binding) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Encodes as the text.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }

    /// Decodes from the text.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.message)
        }
    }
}
