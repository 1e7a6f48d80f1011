import Foundation
import Yams

/// Parses YAML bytes into document nodes, turning LibYAML's errors into diagnostics with file:line:column.
enum YAMLText {
    /// Every document of `data` (a `---` separated stream). Parsing stops at a syntax error,
    /// which becomes one diagnostic; the documents before it are kept.
    static func documents(_ data: Data, file: String, diagnostics: inout Diagnostics) -> [Node] {
        guard let text = String(data: data, encoding: .utf8) else {
            diagnostics.append(Diagnostic(at: SourceLocation(file: file), "the file is not valid UTF-8"))
            return []
        }
        var nodes: [Node] = []
        do {
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() { nodes.append(node) }
        } catch let error as YamlError {
            diagnostics.append(diagnostic(for: error, file: file, text: text))
        } catch {
            diagnostics.append(Diagnostic(at: SourceLocation(file: file), "malformed YAML: \(error)"))
        }
        return nodes
    }

    /// Maps one Yams error to a diagnostic that names the position and the problem, without
    /// Yams' multi-line snippet.
    static func diagnostic(for error: YamlError, file: String, text: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        func describe(_ context: YamlError.Context?, _ problem: String) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return Diagnostic(at: at(mark), "malformed YAML: \(describe(context, problem))")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return Diagnostic(at: at(context.mark), "duplicate key \(keys) in a mapping")
        case let .reader(problem, offset, _, _):
            let location = offset.map { position(ofCharacter: $0, in: text, file: file) } ?? SourceLocation(file: file)
            return Diagnostic(at: location, "unreadable YAML: \(problem)")
        default:
            return Diagnostic(at: SourceLocation(file: file), "malformed YAML: \(error)")
        }
    }

    /// The line and column of the `offset`-th character of `text`.
    static func position(ofCharacter offset: Int, in text: String, file: String) -> SourceLocation {
        var line = 1, column = 1
        for (i, c) in text.enumerated() {
            if i == offset { break }
            if c == "\n" || c == "\r\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}
