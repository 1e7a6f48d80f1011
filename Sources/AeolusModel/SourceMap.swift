/// Where each decoded field of one YAML document sits, so that checks made after decoding (the
/// repository validator) can point at the line of the bad field.
public struct SourceMap: Sendable, Hashable {
    /// The file the document came from.
    public var file: String
    /// Field path (`spec.edges[2].with.saddr`) to its line and column.
    public var positions: [String: Position]

    /// A 1-based line and column.
    public struct Position: Sendable, Hashable {
        /// 1-based line.
        public var line: Int
        /// 1-based column.
        public var column: Int
        /// Creates a position.
        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    /// Creates a map for `file`.
    public init(file: String, positions: [String: Position] = [:]) {
        self.file = file
        self.positions = positions
    }

    /// The location of `path`, or of its nearest recorded parent, or the file itself.
    public func location(of path: String) -> SourceLocation {
        var current = path
        while true {
            if let p = positions[current] {
                return SourceLocation(file: file, line: p.line, column: p.column)
            }
            guard let parent = SourceMap.parent(of: current) else {
                return SourceLocation(file: file)
            }
            current = parent
        }
    }

    /// A diagnostic about the field at `path`.
    public func diagnostic(_ severity: Diagnostic.Severity = .error, path: String, _ message: String) -> Diagnostic {
        Diagnostic(severity, at: location(of: path), path: path, message)
    }

    /// `a.b[2]` → `a.b`, `a.b` → `a`, `a` → "", "" → nil.
    static func parent(of path: String) -> String? {
        guard !path.isEmpty else { return nil }
        if path.hasSuffix("]"), let open = path.lastIndex(of: "[") {
            return String(path[..<open])
        }
        if let dot = path.lastIndex(of: ".") { return String(path[..<dot]) }
        return ""
    }
}
