import Foundation

/// The command line of `aeolus-bench`.
struct BenchOptions {
    /// Run only benchmarks whose name (or result names) contain this text.
    var filter: String?
    /// Where the JSON results go.
    var jsonPath = "bench-results/results.json"
    /// The config repository whose templates are measured.
    var repository: String?

    static let usage = """
    usage: aeolus-bench [--filter NAME] [--json PATH] [--repo DIR]
      --filter NAME  run only the benchmarks whose name contains NAME
      --json PATH    write the results as JSON to PATH (default bench-results/results.json)
      --repo DIR     the config repository to take templates from (default ./config-repo-example)
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
            case "-h", "--help": throw BenchError(Self.usage, status: 0)
            default: throw BenchError("unknown argument \(argument)\n\(Self.usage)")
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
