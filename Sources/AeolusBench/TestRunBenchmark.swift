import AeolusModel
import BPFKit
import Compiler
import Foundation

/// ns per packet of every tc and XDP program of the example templates through
/// BPF_PROG_TEST_RUN, beside an empty program of the same type measured interleaved in the
/// same run (the test-run harness is most of an empty program's figure, so the marginal cost
/// over it is reported too). Target: a counter template within 2× the empty program.
struct TestRunBenchmark: Benchmark {
    let name = "test-run"
    /// The config repository (default `./config-repo-example`, else the one beside the sources).
    let repository: String?
    /// Runs per BPF_PROG_TEST_RUN call.
    let repeatCount: UInt32 = 1_000_000
    /// Alternating rounds (empty, template); the medians are reported.
    let rounds = 5
    /// The largest acceptable ratio to the empty program.
    let target = 2.0

    /// One program to measure and the packet to measure it with.
    private struct Case {
        let template: String
        let program: String
        let parameters: [String: String]
        let packet: [UInt8]
        let label: String
    }

    /// The flow flow-tcp-flags is bound to, matched by `TestFrame.tcp` below.
    private static let boundFlow = ["saddr": "198.18.0.1", "daddr": "198.18.0.2", "sport": "12345", "dport": "80"]

    private var cases: [Case] {
        let udp = TestFrame.udp()
        let dnsQuery: [UInt8] = [0x2a, 0x2a, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                 1, UInt8(ascii: "a"), 2, UInt8(ascii: "i"), UInt8(ascii: "o"), 0, 0, 1, 0, 1]
        return [
            Case(template: "pod-traffic", program: "count_ingress", parameters: [:], packet: udp, label: "UDP"),
            Case(template: "pod-traffic", program: "count_egress", parameters: [:], packet: udp, label: "UDP"),
            Case(template: "dns", program: "dns_ingress", parameters: [:], packet: udp, label: "UDP, not DNS"),
            Case(template: "dns", program: "dns_ingress", parameters: [:],
                 packet: TestFrame.udp(destinationPort: 53, payload: dnsQuery), label: "DNS query"),
            Case(template: "flow-tcp-flags", program: "flags_ingress", parameters: Self.boundFlow, packet: udp, label: "UDP"),
            Case(template: "flow-tcp-flags", program: "flags_ingress", parameters: Self.boundFlow,
                 packet: TestFrame.tcp(sourcePort: 12345, destinationPort: 80, payload: Array("aeolus".utf8)),
                 label: "TCP, bound flow"),
            Case(template: "packet-sizes", program: "sizes", parameters: [:], packet: udp, label: "UDP"),
        ]
    }

    func run() async throws -> [BenchmarkResult] {
        try await onThread { try measureAll() }
    }

    private func measureAll() throws -> [BenchmarkResult] {
        let compiler = BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache())
        let build = RepositoryCompiler(compiler: compiler)
            .build(snapshot: try ConfigRepository.snapshot(directory: repositoryDirectory()))
        let empty = try LoadedObject.load(try compiler.compile(EmptyPrograms.request).spec)
        defer { empty.close() }

        var results: [BenchmarkResult] = []
        for item in cases {
            guard let compiled = build.templates[item.template] else {
                throw BenchError("template \(item.template) did not build:\n\(build.diagnostics)", status: 1)
            }
            let settings = try compiled.template.loadSettings(parameters: item.parameters).get()
            let object = try LoadedObject.load(compiled.object.spec, rodata: settings.rodata, maxEntries: settings.maxEntries)
            defer { object.close() }
            let program = try object.program(named: item.program)
            let floor = try empty.program(named: EmptyPrograms.name(for: program.type))
            let (mine, theirs) = try interleaved(program, floor, packet: item.packet)
            results.append(BenchmarkResult(
                name: "\(name) \(item.template)/\(item.program) (\(item.label))",
                aeolus: mine, peer: theirs, peerName: "empty \(program.type)", unit: "ns/packet",
                marginal: mine - theirs, target: target,
                note: String(format: "+%.1f ns over empty; median of %d × %d runs", mine - theirs, rounds, repeatCount)))
        }
        return results
    }

    /// Medians over `rounds` of alternating test runs of `program` and `floor` on `packet`.
    private func interleaved(_ program: Program, _ floor: Program, packet: [UInt8]) throws -> (Double, Double) {
        _ = try program.testRun(packet: packet, repeat: 10_000)   // warm up: create map entries, caches
        _ = try floor.testRun(packet: packet, repeat: 10_000)
        var mine: [Double] = [], theirs: [Double] = []
        for round in 0..<rounds {
            // Alternate which goes first, so neither always runs on a warmer CPU.
            let order = round.isMultiple(of: 2) ? [floor, program] : [program, floor]
            for item in order {
                let nanoseconds = Double(try item.testRun(packet: packet, repeat: repeatCount).nanosecondsPerRun)
                if item === program { mine.append(nanoseconds) } else { theirs.append(nanoseconds) }
            }
        }
        return (median(mine), median(theirs))
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count.isMultiple(of: 2) ? (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2 : sorted[sorted.count / 2]
    }

    private func repositoryDirectory() throws -> String {
        try Self.repositoryDirectory(repository)
    }

    /// The config repository: `given`, else `./config-repo-example`, else the one beside the sources.
    static func repositoryDirectory(_ given: String?) throws -> String {
        if let repository = given { return repository }
        let candidates = [FileManager.default.currentDirectoryPath + "/config-repo-example",
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent("config-repo-example").path]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/aeolus.yaml") }) else {
            throw BenchError("no config-repo-example found (looked at \(candidates)); pass --repo DIR")
        }
        return found
    }
}

/// The floor of each packet program type: programs that do nothing but return.
enum EmptyPrograms {
    /// The C source: one empty program per type, returning what the templates return.
    static let source = """
    #include <linux/bpf.h>
    #include <bpf/bpf_helpers.h>
    char LICENSE[] SEC("license") = "GPL";
    SEC("tc") int empty_tc(struct __sk_buff *skb) { return -1; /* TC_ACT_UNSPEC */ }
    SEC("xdp") int empty_xdp(struct xdp_md *ctx) { return XDP_PASS; }
    """

    /// The compile request of `source`.
    static let request = CompileRequest(name: "empty", sourcePath: "empty.bpf.c", files: ["empty.bpf.c": Array(source.utf8)])

    /// The empty program of the same type as a program of `type`.
    static func name(for type: ProgramType) -> String {
        type == .xdp ? "empty_xdp" : "empty_tc"
    }
}

/// Runs blocking work (libbpf, the kernel's test runs) on a thread of its own, off Swift's
/// cooperative pool, and resumes the caller with its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
