/// One diagnostic clang printed, with its repository-relative location.
public struct ClangDiagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `error`, `warning` or `note`.
    public var severity: String
    /// Repository-relative path, e.g. `templates/dns/probe.bpf.c`.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// clang's message.
    public var message: String

    public var description: String { "\(file):\(line):\(column): \(severity): \(message)" }

    /// The diagnostic with a location clang gives as `<inline asm>` (or another `<…>` buffer)
    /// moved to `source`, the buffer's line and column kept in the message: a review annotation
    /// needs a repository file.
    func attributed(to source: String) -> ClangDiagnostic {
        guard file.hasPrefix("<") else { return self }
        return ClangDiagnostic(severity: severity, file: source, line: 0, column: 0,
                               message: "\(file.dropFirst().dropLast()):\(line):\(column): \(message)")
    }

    /// Parses clang's `file:line:col: severity: message` lines; other lines (the source excerpt,
    /// the caret) are skipped.
    public static func parse(_ output: String) -> [ClangDiagnostic] {
        output.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, let row = Int(parts[1]), let column = Int(parts[2]) else { return nil }
            let severity = parts[3].trimmingCharacters(in: .whitespaces)
            guard ["error", "fatal error", "warning", "note"].contains(severity) else { return nil }
            return ClangDiagnostic(severity: severity == "fatal error" ? "error" : severity,
                                   file: String(parts[0]), line: row, column: column,
                                   message: parts[4].trimmingCharacters(in: .whitespaces))
        }
    }
}

/// Why a template did not become an object.
public enum CompileError: Error, Sendable, CustomStringConvertible {
    /// No usable clang.
    case toolchainMissing(String)
    /// clang refused the source; the diagnostics carry file:line.
    case compileFailed(template: String, diagnostics: [ClangDiagnostic], output: String)
    /// clang produced something libbpf cannot open as a BPF object.
    case invalidObject(template: String, reason: String)
    /// The inputs could not be written or the output read.
    case io(String)
    /// clang could not be confined (no Landlock, no launcher), so nothing is compiled.
    case confinementUnavailable(String)

    public var description: String {
        switch self {
        case .toolchainMissing(let message): return message
        case .compileFailed(let template, let diagnostics, let output):
            let errors = diagnostics.filter { $0.severity == "error" }
            let shown = errors.isEmpty ? output : errors.map(\.description).joined(separator: "\n")
            return "template \(template) does not compile:\n\(shown)"
        case .invalidObject(let template, let reason): return "template \(template): not a valid BPF object: \(reason)"
        case .io(let message): return message
        case .confinementUnavailable(let message): return message
        }
    }
}
import Foundation
