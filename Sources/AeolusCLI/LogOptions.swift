import ArgumentParser
import Logging

/// `--log-level` for the daemons (dictator, agent): checked when the arguments are parsed, and
/// the one log handler (standard error) bootstrapped at that level.
struct LogOptions: ParsableArguments {
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    /// Sends every logger to standard error at the chosen level.
    func bootstrap() {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
