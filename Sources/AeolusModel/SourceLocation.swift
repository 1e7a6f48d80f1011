/// A position in a file of the config repository: 1-based line and column (0 when unknown).
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Path of the file relative to the repository root, e.g. `templates/foo/template.yaml`.
    public var file: String
    /// 1-based line, 0 when unknown.
    public var line: Int
    /// 1-based column (in Unicode scalars), 0 when unknown.
    public var column: Int

    /// Creates a location; line and column 0 mean "the file as a whole".
    public init(file: String, line: Int = 0, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, or just `file` when the position is unknown.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}
