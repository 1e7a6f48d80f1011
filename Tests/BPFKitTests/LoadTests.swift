import AeolusTesting
import BPFKit
import Foundation
import Testing

/// Loading: parameters, verifier errors, test runs, statistics.
struct LoadTests {
    @Test func rodataPortChangesWhatIsCounted() async throws {
        try KernelTest.requireRoot()
        let spec = try await Support.spec("udp_count")
        let frame = Support.udpFrame(port: 7000)
        for (port, expected) in [(UInt16(7000), UInt64(3)), (7001, 0), (0, 3)] {
            let object = try await LoadedObject.load(spec, rodata: ["port": Support.bytes(port)])
            let ids = try Support.programIDs(object)
            defer { object.close(); try? Support.expectUnloaded(ids) }
            let program = try object.program(named: "tc_udp_count")
            _ = try program.testRun(packet: frame, repeat: 3)
            let counts = try object.map(named: "tc_counts")
            defer { counts.close() }
            #expect(try Support.perCPUSum(counts) == expected, "port \(port)")
        }
    }

    @Test(arguments: [
        (["nope": [0, 0]], "unknown variable"),
        (["port": [0, 0, 0, 0]], "wrong size"),
    ] as [([String: [UInt8]], String)])
    func rejectsBadRodata(rodata: [String: [UInt8]], why: String) async throws {
        try KernelTest.requireRoot()
        let spec = try await Support.spec("udp_count")
        #expect(throws: BPFError.self, "\(why)") {
            try LoadedObject.load(spec, rodata: rodata).close()
        }
    }

    @Test func resizesMaps() async throws {
        try KernelTest.requireRoot()
        let object = try await LoadedObject.load(Support.spec("udp_count"), maxEntries: ["by_port": 64])
        let ids = try Support.programIDs(object)
        defer { object.close(); try? Support.expectUnloaded(ids) }
        let map = try object.map(named: "by_port")
        defer { map.close() }
        #expect(map.info.maxEntries == 64)
        let spec = try await Support.spec("udp_count")
        #expect(throws: BPFError.self) { try LoadedObject.load(spec, maxEntries: ["missing": 1]) }
    }

    @Test func verifierRejectionCarriesTheLog() async throws {
        try KernelTest.requireRoot()
        do {
            let object = try await LoadedObject.load(Support.spec("rejected"))
            object.close()
            Issue.record("the verifier accepted an unchecked packet read")
        } catch let BPFError.verifierRejected(program, log) {
            #expect(program == "tc_unchecked")
            #expect(log.contains("invalid access to packet"), "log: \(log)")
        }
    }

    @Test func testRunGivesReturnValueAndTime() async throws {
        try KernelTest.requireRoot()
        let object = try await LoadedObject.load(Support.spec("udp_count"))
        let ids = try Support.programIDs(object)
        defer { object.close(); try? Support.expectUnloaded(ids) }
        let frame = Support.udpFrame(port: 9)
        let tc = try object.program(named: "tc_udp_count").testRun(packet: frame, repeat: 1000)
        #expect(tc.returnValue == 0)                                // TC_ACT_OK
        #expect(tc.nanosecondsPerRun > 0 && tc.nanosecondsPerRun < 100_000)
        let xdp = try object.program(named: "xdp_udp_count").testRun(packet: frame, repeat: 10)
        #expect(xdp.returnValue == 2)                               // XDP_PASS
        let counts = try object.map(named: "xdp_counts")
        defer { counts.close() }
        #expect(try Support.counter(counts) == 10)
    }

    @Test func statsCountRuns() async throws {
        try KernelTest.requireRoot()
        let stats = try BPFStats.enable()
        defer { stats.close() }
        let object = try await LoadedObject.load(Support.spec("udp_count"))
        let ids = try Support.programIDs(object)
        defer { object.close(); try? Support.expectUnloaded(ids) }
        let program = try object.program(named: "tc_udp_count")
        _ = try program.testRun(packet: Support.udpFrame(port: 9), repeat: 500)
        let info = try program.info()
        #expect(info.name == "tc_udp_count")
        #expect(info.runCount >= 500)
        #expect(info.runTime > .zero)
    }

    @Test func ringBufferDeliversRecords() async throws {
        try KernelTest.requireRoot()
        let object = try await LoadedObject.load(Support.spec("ringbuf"))
        let ids = try Support.programIDs(object)
        defer { object.close(); try? Support.expectUnloaded(ids) }
        let events = try object.map(named: "events")
        defer { events.close() }
        let ring = try RingBuffer(map: events)
        defer { ring.close() }
        _ = try object.program(named: "tc_ring_events").testRun(packet: Support.udpFrame(port: 9), repeat: 3)
        var records: [[UInt8]] = []
        for await record in ring {
            records.append(record)
            if records.count == 3 { break }
        }
        #expect(records.map { Support.integer($0, as: UInt32.self) } == [64, 64, 64])
    }

    @Test func ringBufferFinishesWhenClosed() async throws {
        try KernelTest.requireRoot()
        let object = try await LoadedObject.load(Support.spec("ringbuf"))
        defer { object.close() }
        let events = try object.map(named: "events")
        defer { events.close() }
        let ring = try RingBuffer(map: events)
        let consumer = Task { var n = 0; for await _ in ring { n += 1 }; return n }
        try await Task.sleep(for: .milliseconds(50))
        ring.close()
        #expect(await consumer.value == 0)
    }

    @Test func kprobeIsNotSupported() async throws {
        try KernelTest.requireRoot()
        try #require(!Program.kernelHasKprobes, "this kernel has kprobes; the test is about one without")
        let object = try await LoadedObject.load(Support.spec("kprobe"))
        let ids = try Support.programIDs(object)
        defer { object.close(); try? Support.expectUnloaded(ids) }
        do {
            _ = try object.program(named: "kp_nanosleep").attachKprobe(function: "do_nanosleep")
            Issue.record("kprobe attach succeeded on a kernel without kprobes")
        } catch let BPFError.hookNotSupported(message) {
            #expect(message.hasPrefix("kprobe:"))
        }
    }

    @Test func fentryIsNotSupported() async throws {
        try KernelTest.requireRoot()
        do {
            let object = try await LoadedObject.load(Support.spec("fentry"))
            defer { object.close() }
            let link = try object.program(named: "fe_nanosleep").attachTracing()
            link.close()
            Issue.record("fentry attached; this test expects a kernel that refuses it")
        } catch let BPFError.hookNotSupported(message) {
            #expect(message.hasPrefix("fentry"), "\(message)")
        }
    }

    @Test func wrongProgramTypeForHookIsAnError() async throws {
        try KernelTest.requireRoot()
        let object = try await LoadedObject.load(Support.spec("udp_count"))
        defer { object.close() }
        #expect(throws: BPFError.self) {
            try object.program(named: "tc_udp_count").attachTracepoint(category: "syscalls", name: "sys_enter_getpid")
        }
        #expect(throws: BPFError.self) { try object.program(named: "missing") }
    }
}
