import ArgumentParser
import Foundation
import Logging
import ServiceKit

/// What the daemons (dictator, agent, collector) share at start and stop: secrets read up front,
/// a failure to start reported on standard error with exit status 1, SIGTERM and SIGINT bounded
/// by `ShutdownDeadline`, and a last log line when they stop.
enum Daemon {
    /// Runs `body`, the daemon `name` (`dictator`, `agent`, `collector`). A signal ends it
    /// within `ShutdownDeadline`'s limit with status 0; an error ends it with status 1 and the
    /// error on standard error (an `ExitCode` passes through).
    static func run(_ name: String, logger: Logger, _ body: () async throws -> Void) async throws {
        await ShutdownDeadline.arm(component: name, logger: logger)
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandleStandardError.write("aeolus \(name): \(error)\n")
            throw ExitCode(1)
        }
        logger.notice("stopped")
    }

    /// A secret file's contents without surrounding whitespace; the error names the file and
    /// what it is for (`purpose`, e.g. `--token-file`).
    static func secret(_ path: String, purpose: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw FileAccessError(purpose: purpose, path: path, cause: error)
        }
    }
}
