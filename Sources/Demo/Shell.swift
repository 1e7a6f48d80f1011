import Foundation
import ProcessKit

/// Runs the system tools the demo drives (`ip`, `iptables`, `git`), found on PATH, and reports
/// failures with the command and its output.
enum Shell {
    /// Runs `arguments` and returns its standard output; throws on a non-zero exit unless
    /// `check` is false.
    @discardableResult
    static func run(_ arguments: [String], check: Bool = true, environment: [String: String]? = nil) throws -> String {
        let merged = environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } }
        let output = try Subprocess.collect("/usr/bin/env", arguments, environment: merged)
        if check, output.status != 0 {
            throw SubprocessError(command: arguments, output: output)
        }
        return output.standardOutput
    }

    /// Whether `tool` is on PATH.
    static func has(_ tool: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(tool)"])) != nil
    }
}
