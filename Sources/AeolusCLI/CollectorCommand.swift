import ArgumentParser
import Collector
import Logging

/// `aeolus collector`: the per-node collector (AHC), an OpenTelemetry-Collector-shaped pipeline
/// from eBPF maps to Prometheus and to the dictator.
struct CollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector",
        abstract: "Run the collector (AHC): eBPF maps to metrics.",
        discussion: """
        Reads --config (receivers, processors, exporters, service.pipelines; component ids \
        type/name), validates every component, starts the pipelines downstream-first and stops \
        them upstream-first on SIGTERM or SIGINT, flushing what is queued.
        """)

    @Option(help: "The collector's YAML configuration.")
    var config: String

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "aeolus.collector")
        try await Daemon.run("collector", logger: logger) {
            do {
                try await Collector.run(configPath: config, logger: logger)
            } catch let error as ConfigErrors {
                FileHandleStandardError.write("\(error)\n")
                throw ExitCode(2)
            }
        }
    }
}
