import Foundation

/// The command line of `aeolus-bench`.
struct BenchOptions {
    /// Run only benchmarks whose name (or result names) contain this text.
    var filter: String?
    /// Where the JSON results go.
    var jsonPath = "bench-results/results.json"
    /// The config repository whose templates are measured.
    var repository: String?
    /// The dictator soak's distinct flows and duration in seconds, over `AEOLUS_SOAK_SERIES`,
    /// `AEOLUS_SOAK_SECONDS` and the defaults.
    var soakSeries: Double?
    var soakSeconds: Double?

    static let usage = """
    usage: aeolus-bench [NAME | --filter NAME] [--json PATH] [--repo DIR] [--series N] [--seconds S]
      NAME, --filter NAME  run only the benchmarks whose name contains NAME (the soak benchmarks,
                     soak-dictator and soak-collector, run only when named: aeolus-bench soak)
      --json PATH    write the results as JSON to PATH (default bench-results/results.json)
      --repo DIR     the config repository to take templates from (default ./config-repo-example)
      --series N     soak-dictator: distinct flows sent (AEOLUS_SOAK_SERIES, default 1000000)
      --seconds S    soak-dictator: over how long (AEOLUS_SOAK_SECONDS, default 600); the collector
                     soak takes AEOLUS_SOAK_COLLECTOR_SERIES (100000) and _SECONDS (180)
    Needs root (BPF_PROG_TEST_RUN).
    """

    /// Parses `arguments` (without the program name); throws a message for bad input.
    init(arguments: [String]) throws {
        var rest = arguments[...]
        func value(of flag: String) throws -> String {
            guard let next = rest.popFirst(), !next.hasPrefix("--") else { throw BenchError("\(flag) needs a value\n\(Self.usage)") }
            return next
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--filter": filter = try value(of: argument)
            case "--json": jsonPath = try value(of: argument)
            case "--repo": repository = try value(of: argument)
            case "--series", "--seconds":
                guard let number = Double(try value(of: argument)), number > 0 else { throw BenchError("\(argument) needs a positive number") }
                if argument == "--series" { soakSeries = number } else { soakSeconds = number }
            case "-h", "--help": throw BenchError(Self.usage, status: 0)
            default:
                guard !argument.hasPrefix("-"), filter == nil else { throw BenchError("unknown argument \(argument)\n\(Self.usage)") }
                filter = argument
            }
        }
    }
}

/// Why `aeolus-bench` stops: a message for the user and the exit status.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    let status: Int32
    init(_ description: String, status: Int32 = 2) {
        self.description = description
        self.status = status
    }
}
