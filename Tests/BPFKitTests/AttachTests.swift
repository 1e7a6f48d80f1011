import AeolusTesting
import BPFKit
import Foundation
import ProcessKit
import Testing

/// Attaching to real hooks and counting real traffic or syscalls.
struct AttachTests {
    @Test func tcIngressCountsUDPInsideANamespace() async throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let port = Support.port()
        let object = try await LoadedObject.load(Support.spec("udp_count"), rodata: ["port": Support.bytes(port)])
        let ids = try Support.programIDs(object)
        defer { object.close(); try? Support.expectUnloaded(ids) }
        let link = try await object.program(named: "tc_udp_count")
            .attachTC(interface: pod.interface, direction: .ingress, namespace: pod.path)
        defer { link.close() }
        #expect(try link.attachment.query() == ids[0])

        try pod.sendUDP(toPort: port, count: 5)
        try pod.sendUDP(toPort: port &+ 1, count: 3)             // another port: not counted
        let counts = try object.map(named: "tc_counts")
        defer { counts.close() }
        #expect(try Support.settle(to: 5) { try Support.perCPUSum(counts) } == 5)

        let byPort = try object.map(named: "by_port")
        defer { byPort.close() }
        #expect(try byPort.keys() == [Support.bytes(port)])
        #expect(try byPort.delete(Support.bytes(port)))
        #expect(try !byPort.delete(Support.bytes(port)))

        link.close()
        #expect(try link.attachment.query() == nil)
    }

    @Test func tcAttachmentCanBeReleasedAndAdopted() async throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let object = try await LoadedObject.load(Support.spec("udp_count"))
        let ids = try Support.programIDs(object)
        defer { object.close(); try? Support.expectUnloaded(ids) }
        let first = try await object.program(named: "tc_udp_count")
            .attachTC(interface: pod.interface, direction: .egress, namespace: pod.path, priority: 7)
        let stored = try JSONEncoder().encode(first.release())   // what an agent writes to disk
        first.close()                                            // released: must not detach
        object.close()                                           // the filter keeps the program

        let attachment = try JSONDecoder().decode(TCAttachment.self, from: stored)
        #expect(attachment.priority == 7)
        #expect(try attachment.query() == ids[0])
        let adopted = try TCLink.adopt(attachment)
        adopted.close()
        #expect(try attachment.query() == nil)
        #expect(throws: BPFError.self) { try TCLink.adopt(attachment) }
    }

    @Test func xdpCountsUDPInsideANamespace() async throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let port = Support.port()
        let object = try await LoadedObject.load(Support.spec("udp_count"), rodata: ["port": Support.bytes(port)])
        let ids = try Support.programIDs(object)
        defer { object.close(); try? Support.expectUnloaded(ids) }
        let link = try object.program(named: "xdp_udp_count").attachXDP(interface: pod.interface, namespace: pod.path)
        defer { link.close() }
        try pod.sendUDP(toPort: port, count: 4)
        let counts = try object.map(named: "xdp_counts")
        defer { counts.close() }
        #expect(try Support.settle(to: 4) { try Support.counter(counts) } == 4)
    }

    @Test func tracepointAndRawTracepointCountGetpid() async throws {
        try KernelTest.requireRoot()
        let spec = try await Support.spec("syscalls")
        // The programs count the getpid calls of one thread: all of it runs on a thread of its own.
        let (attached, afterDetach, ids) = try await offThePool { () -> ([UInt64], [UInt64], [UInt32]) in
            let tid = try Support.currentThreadID()
            let object = try LoadedObject.load(spec, rodata: ["target_tid": Support.bytes(tid)])
            defer { object.close() }
            let ids = try Support.programIDs(object)
            let calls = try object.map(named: "getpid_calls")
            defer { calls.close() }
            func counts() throws -> [UInt64] { [try Support.counter(calls, index: 0), try Support.counter(calls, index: 1)] }
            let tracepoint = try object.program(named: "tp_getpid").attachTracepoint(category: "syscalls", name: "sys_enter_getpid")
            defer { tracepoint.close() }
            let raw = try object.program(named: "btf_sys_enter").attachTracing()
            defer { raw.close() }
            for _ in 0..<7 { _ = getpid() }
            let attached = try counts()
            tracepoint.close()
            raw.close()
            // A link goes when its last descriptor does: a child another test spawns at this moment
            // holds copies of our descriptors until its exec, so the detach can lag a little. Wait
            // until a getpid is no longer counted (3 s at most), then count 3 more.
            _ = try Support.waitFor(seconds: 3) { () -> Void? in
                let before = try counts()
                _ = getpid()
                return try counts() == before ? nil : ()
            }
            let settled = try counts()
            for _ in 0..<3 { _ = getpid() }                          // detached: not counted
            let after = try counts()
            return (attached, zip(after, settled).map { $0 - $1 }, ids)
        }
        #expect(attached == [7, 7])
        #expect(afterDetach == [0, 0], "detached programs count nothing")
        try Support.expectUnloaded(ids)
    }

    @Test func cgroupSKBCountsEgressOfAChild() async throws {
        try KernelTest.requireRoot()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-cg2-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        guard mount("none", root, "cgroup2", 0, nil) == 0 else {
            Issue.record("mount cgroup2 at \(root): \(String(cString: strerror(errno)))")
            return
        }
        defer { umount2(root, Int32(MNT_DETACH)) }
        let cgroup = root + "/aeolus-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: cgroup, withIntermediateDirectories: false)
        defer { rmdir(cgroup) }

        let port = Support.port()
        let object = try await LoadedObject.load(Support.spec("cgroup_udp"), rodata: ["port": Support.bytes(port)])
        let ids = try Support.programIDs(object)
        defer { object.close(); try? Support.expectUnloaded(ids) }
        let link = try object.program(named: "cg_udp_egress").attachCgroup(path: cgroup)
        defer { link.close() }

        // The child joins the cgroup, then sends 5 datagrams to 127.0.0.1 (nobody listens).
        let child = try await Subprocess.collect("/bin/bash", ["-c", "echo $$ > \(cgroup)/cgroup.procs && for i in 1 2 3 4 5; do echo x > /dev/udp/127.0.0.1/\(port); done"])
        #expect(child.status == 0, "\(child.standardError)")
        let counts = try object.map(named: "egress_udp")
        defer { counts.close() }
        #expect(try Support.settle(to: 5) { try Support.counter(counts) } == 5)
    }
}
