import Foundation

/// `${env:NAME}` in a collector config file, as the OpenTelemetry Collector reads it: the
/// variable's value; `${env:NAME:-default}` gives `default` when the variable is unset (a variable
/// set to the empty string stays empty); `$$` is a literal `$` (so `$${env:NAME}` stays as
/// written). A variable that is unset and has no default is an error naming it, the file and the
/// line: a token or node name must never silently become empty. Lines that are YAML comments are
/// left as they are.
enum EnvironmentExpansion {
    /// `text` (the contents of `file`) with every reference replaced; throws `ConfigErrors` listing
    /// every unset variable and malformed reference.
    static func expand(_ text: String, file: String,
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        var out = "", errors: [ConfigError] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if number > 0 { out += "\n" }
            if line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") {
                out += line
                continue
            }
            out += expand(line: line) { reference, column in
                switch resolve(reference, environment: environment) {
                case .success(let value): return value
                case .failure(let problem):
                    errors.append(ConfigError(file: file, line: number + 1, column: column, path: "", message: problem.message))
                    return ""
                }
            }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors: errors) }
        return out
    }

    /// A problem with one reference.
    struct Problem: Error {
        let message: String
    }

    /// `line` with `$$` turned into `$` and each `${env:...}` into what `replace` returns for the
    /// text between `${env:` and `}` and the reference's 1-based column.
    private static func expand(line: Substring, replace: (Substring, Int) -> String) -> String {
        var out = "", index = line.startIndex
        while index < line.endIndex {
            let rest = line[index...]
            if rest.hasPrefix("$$") {
                out += "$"
                index = line.index(index, offsetBy: 2)
            } else if rest.hasPrefix("${env:") {
                let column = line.distance(from: line.startIndex, to: index) + 1
                let body = line.index(index, offsetBy: 6)
                guard let close = line[body...].firstIndex(of: "}") else {
                    out += replace(line[index...], column)
                    return out
                }
                out += replace(line[body..<close], column)
                index = line.index(after: close)
            } else {
                out.append(line[index])
                index = line.index(after: index)
            }
        }
        return out
    }

    /// The value of one reference (`NAME` or `NAME:-default`); a reference without its closing
    /// brace arrives whole, starting with `${env:`.
    static func resolve(_ reference: Substring, environment: [String: String]) -> Result<String, Problem> {
        if reference.hasPrefix("${env:") {
            return .failure(Problem(message: "\"\(reference)\": a ${env:NAME} reference without its closing \"}\""))
        }
        var name = reference, fallback: Substring?
        if let separator = reference.range(of: ":-") {
            name = reference[..<separator.lowerBound]
            fallback = reference[separator.upperBound...]
        }
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter),
              name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
            return .failure(Problem(message: "${env:\(reference)}: \"\(name)\" is not an environment variable name (letters, digits and _, not starting with a digit)"))
        }
        if let value = environment[String(name)] { return .success(value) }
        if let fallback { return .success(String(fallback)) }
        return .failure(Problem(message: "${env:\(name)}: the environment variable \(name) is not set (give it a value, or a default: ${env:\(name):-default})"))
    }
}
