/// An ordered collection of diagnostics, so that a loader or validator can report every problem
/// it finds instead of stopping at the first.
public struct Diagnostics: Sendable, Hashable, Codable, RandomAccessCollection, CustomStringConvertible {
    /// The findings in the order they were made.
    public private(set) var items: [Diagnostic]

    /// Creates a collection.
    public init(_ items: [Diagnostic] = []) { self.items = items }

    public var startIndex: Int { items.startIndex }
    public var endIndex: Int { items.endIndex }
    public subscript(position: Int) -> Diagnostic { items[position] }

    /// Adds one finding.
    public mutating func append(_ diagnostic: Diagnostic) { items.append(diagnostic) }
    /// Adds many findings.
    public mutating func append<S: Sequence>(contentsOf other: S) where S.Element == Diagnostic {
        items.append(contentsOf: other)
    }

    /// The findings of severity error.
    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    /// Whether any finding is an error.
    public var hasErrors: Bool { items.contains { $0.severity == .error } }

    /// The findings sorted by file, line and column (stable for equal positions).
    public var sorted: Diagnostics {
        Diagnostics(items.enumerated().sorted { a, b in
            let l = a.element.location, r = b.element.location
            if l.file != r.file { return l.file < r.file }
            if l.line != r.line { return l.line < r.line }
            if l.column != r.column { return l.column < r.column }
            return a.offset < b.offset
        }.map(\.element))
    }

    /// One finding per line.
    public var description: String { items.map(\.description).joined(separator: "\n") }
}
