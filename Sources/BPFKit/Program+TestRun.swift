import CBPF

/// The outcome of `Program.testRun`.
public struct TestRunResult: Hashable, Sendable {
    /// The program's return value (e.g. `TC_ACT_OK`, `XDP_PASS`).
    public let returnValue: UInt32
    /// The kernel's average time per run.
    public let timePerRun: Duration
    /// The same, in nanoseconds.
    public var nanosecondsPerRun: UInt32 { UInt32(clamping: timePerRun.components.attoseconds / 1_000_000_000) }
}

extension Program {
    /// Runs the program `repeat` times on `packet` in the kernel (BPF_PROG_TEST_RUN), without
    /// attaching it: for tc, XDP and other packet programs.
    public func testRun(packet: [UInt8], `repeat`: UInt32 = 1) throws -> TestRunResult {
        guard !packet.isEmpty else { throw BPFError.invalidArgument("test run of '\(name)' needs a packet") }
        return try withProgram { _, fd in
            var returnValue: UInt32 = 0, duration: UInt32 = 0
            try LibBPF.check("bpf_prog_test_run_opts(\(name))") {
                aeolus_test_run(fd, packet, UInt32(packet.count), Int32(clamping: `repeat`), &returnValue, &duration)
            }
            return TestRunResult(returnValue: returnValue, timePerRun: .nanoseconds(Int64(duration)))
        }
    }
}
