/// One problem in a collector config file: where (file:line:column and the field path) and what.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The config file.
    public var file: String
    /// 1-based line, 0 when unknown.
    public var line: Int
    /// 1-based column, 0 when unknown.
    public var column: Int
    /// The field path, e.g. `exporters.prometheusremotewrite/dictator.endpoint`.
    public var path: String
    /// What is wrong and what was expected.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// `file:line:column: error: path: message`.
    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return "\(place): error: " + (path.isEmpty ? "" : "\(path): ") + message
    }
}

/// Every problem found in a config file (the collector refuses to start while there is one).
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public var errors: [ConfigError]

    /// One line per problem.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
