import Foundation

/// `aeolus-bench`: runs every benchmark (or those `--filter` names), prints Aeolus' figure beside
/// the floor or peer measured in the same run and their ratio, and writes the results as JSON.
@main
struct AeolusBench {
    /// Every benchmark, in report order.
    static func benchmarks(_ options: BenchOptions) -> [any Benchmark] {
        [TestRunBenchmark(repository: options.repository), AgentAttachBenchmark(repository: options.repository),
         PodInventoryBenchmark(repository: options.repository),
         CollectorDecodeBenchmark(), PlannerScaleBenchmark(), GitOpsLatencyBenchmark(repository: options.repository),
         IngestBenchmark(repository: options.repository), ReactionLatencyBenchmark(repository: options.repository),
         FanoutBenchmark(repository: options.repository), DictatorSoakBenchmark(repository: options.repository, series: options.soakSeries, seconds: options.soakSeconds),
         CollectorSoakBenchmark(), RestartStormBenchmark(repository: options.repository)]
    }

    static func main() async {
        do {
            let options = try BenchOptions(arguments: Array(CommandLine.arguments.dropFirst()))
            guard geteuid() == 0 else {
                throw BenchError("aeolus-bench must run as root: it loads BPF programs and runs them with BPF_PROG_TEST_RUN (try: sudo make bench)")
            }
            let selected = benchmarks(options).filter { benchmark in
                options.filter.map { benchmark.name.contains($0) } ?? !benchmark.onlyWhenNamed
            }
            guard !selected.isEmpty else { throw BenchError("no benchmark matches --filter \(options.filter ?? "")") }
            var results: [BenchmarkResult] = []
            for benchmark in selected {
                print("running \(benchmark.name)…")
                results += try await benchmark.run()
            }
            print(ResultReport.table(results))
            try ResultReport.writeJSON(results, to: options.jsonPath)
            print("results written to \(options.jsonPath)")
            let missed = results.filter { $0.passed == false }.map(\.name)
            if !missed.isEmpty { print("missed target: \(missed.joined(separator: ", "))") }
        } catch let error as BenchError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            exit(error.status)
        } catch {
            FileHandle.standardError.write(Data("aeolus-bench: \(error)\n".utf8))
            exit(1)
        }
    }
}
