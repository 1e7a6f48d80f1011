import AeolusModel
import AeolusTesting
import BPFKit
@testable import Collector
import Foundation
import Testing

/// The `ringbuf` receiver with the real kernel: a tracepoint program writes a record per
/// `getppid` of this process into a pinned ring buffer, a probes.json names it, and the receiver
/// turns the records into a counter with the record's labels. (`getppid`, not `getpid`: the
/// other tests in this process call `getpid` by the hundred thousand and could fill the buffer.)
@Suite(.serialized) struct RingBufReceiverTests {
    static let program = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        char LICENSE[] SEC("license") = "GPL";
        const volatile __u32 target_tgid = 0;
        struct event { __u32 kind; __u32 tgid; };
        struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 64 * 1024); } events SEC(".maps");
        SEC("tracepoint/syscalls/sys_enter_getppid")
        int on_getppid(void *ctx) {
            __u32 tgid = bpf_get_current_pid_tgid() >> 32;
            if (tgid != target_tgid) return 0;
            struct event e = { .kind = 7, .tgid = tgid };
            bpf_ringbuf_output(&events, &e, sizeof(e), 0);
            return 0;
        }
        """

    @Test func recordsBecomeACounter() async throws {
        try KernelTest.requireRoot()
        try BPFFileSystem.ensureMounted()
        try TraceFS.ensureMounted()
        let pinDirectory = "/sys/fs/bpf/aeolus-ringbuf-test-\(UUID().uuidString.prefix(8))"
        let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-state-\(UUID().uuidString)").path
        defer {
            _ = try? BPFFileSystem.unpin(pinDirectory + "/events")
            rmdir(pinDirectory)
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }
        var tgid = UInt32(getpid()).littleEndian
        let rodata = withUnsafeBytes(of: &tgid) { Array($0) }
        let object = try LoadedObject.load(elf: try await Clang.compileBPF(source: Self.program), name: "ringbuf_events",
                                           rodata: ["target_tgid": rodata], pinMapsUnder: pinDirectory)
        defer { object.close() }
        let link = try object.program(named: "on_getppid").attachTracepoint(category: "syscalls", name: "sys_enter_getppid")
        defer { link.close() }

        let spec = MetricSpec(name: "aeolus_test_events_total", type: .counter, help: "Events.", map: "events", labels: [
            LabelSpec(name: "kind", size: 4, decoders: [DecoderSpec(name: "uint")]),
        ])
        try NodeProbeState(node: "n1", probes: [ProbeState(id: "policy/events", template: "events", state: .live,
                                                           maps: ["events": pinDirectory + "/events"], metrics: [spec])])
            .write(toDirectory: stateDirectory)
        var config = RingBufReceiverConfig()
        config.stateDir = stateDirectory
        config.interval = .milliseconds(100)
        let sink = Sink()
        let receiver = RingBufReceiver(config: config, context: testContext("ringbuf"), next: sink)
        try await receiver.start()
        try await Task.sleep(for: .milliseconds(200))   // the follower is polling
        let before = getpidCountFloor(sink)
        for _ in 0..<50 { _ = getppid() }
        var last = 0.0
        // Generous: on a loaded 2-core machine the follower's polls can wait on a busy pool.
        let deadline = Date().addingTimeInterval(45)
        while Date() < deadline {
            last = getpidCountFloor(sink)
            if last >= before + 50 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await receiver.shutdown()
        #expect(last >= before + 50, "counted \(last - before) of 50 records")
        let point = try #require(sink.points.last { $0.name == "aeolus_test_events_total" })
        #expect(point.labels.contains(MetricLabel("kind", "7")))
        #expect(point.labels.contains(MetricLabel("node", "n1")))
        #expect(point.kind == .counter)
    }

    private func getpidCountFloor(_ sink: Sink) -> Double {
        sink.points.filter { $0.name == "aeolus_test_events_total" }.map(\.value).max() ?? 0
    }
}
