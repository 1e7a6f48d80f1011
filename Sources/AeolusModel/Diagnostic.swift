/// One finding about the config repository: where it is (file:line:column and the field path),
/// how bad it is, and a message a user can act on.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How bad a finding is. Only errors make a repository invalid.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case note, warning, error

        private var rank: Int { self == .note ? 0 : self == .warning ? 1 : 2 }
        /// Notes sort before warnings before errors.
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// How bad it is.
    public var severity: Severity
    /// Where it is.
    public var location: SourceLocation
    /// The field path inside the document, e.g. `spec.parameters[1].type`; empty for the whole document.
    public var path: String
    /// What is wrong and, where possible, what was expected.
    public var message: String

    /// Creates a diagnostic.
    public init(_ severity: Severity = .error, at location: SourceLocation, path: String = "", _ message: String) {
        self.severity = severity
        self.location = location
        self.path = path
        self.message = message
    }

    /// The file the diagnostic is about.
    public var file: String { location.file }
    /// 1-based line, 0 when unknown.
    public var line: Int { location.line }
    /// 1-based column, 0 when unknown.
    public var column: Int { location.column }

    /// `file:line:column: error: path: message`, the format compilers and editors understand.
    public var description: String {
        let field = path.isEmpty ? "" : "\(path): "
        return "\(location): \(severity.rawValue): \(field)\(message)"
    }
}
