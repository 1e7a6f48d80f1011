import AeolusTesting
import BPFKit
import Foundation
import Testing

/// Pinning maps and links on bpffs and opening them again.
struct PinTests {
    @Test func mountsAreEnsured() throws {
        try KernelTest.requireRoot()
        try BPFFileSystem.ensureMounted()
        try BPFFileSystem.ensureMounted()
        try TraceFS.ensureMounted()
        #expect(FileManager.default.fileExists(atPath: TraceFS.path + "/events/syscalls"))
    }

    @Test func pinnedMapsAreSharedAndAdoptedOnReload() async throws {
        try KernelTest.requireRoot()
        let directory = Support.pinPath("maps")
        defer {
            for name in ["tc_counts", "xdp_counts", "by_port"] { _ = try? BPFFileSystem.unpin(directory + "/" + name) }
            rmdir(directory)
        }
        let spec = try await Support.spec("udp_count")
        let first = try await LoadedObject.load(spec, pinMapsUnder: directory)
        let ids = try Support.programIDs(first)
        defer { first.close(); try? Support.expectUnloaded(ids) }
        let map = try first.map(named: "xdp_counts")
        defer { map.close() }
        try map.update(Support.bytes(UInt32(0)), Support.bytes(UInt64(42)))

        let pinned = try Map.open(pinnedAt: directory + "/xdp_counts")
        defer { pinned.close() }
        #expect(try Support.counter(pinned) == 42)
        #expect(pinned.info == map.info)
        #expect(pinned.info.type == .array && pinned.info.valueSize == 8)
        #expect(try pinned.keys() == [Support.bytes(UInt32(0))])

        // A second load with the same pin directory reuses the pinned maps (agent restart).
        let second = try await LoadedObject.load(spec, pinMapsUnder: directory)
        let secondIDs = try Support.programIDs(second)
        defer { second.close(); try? Support.expectUnloaded(secondIDs) }
        let reused = try second.map(named: "xdp_counts")
        defer { reused.close() }
        #expect(reused.info.id == map.info.id)

        // A per-CPU map through its pin: one value per possible CPU.
        let perCPU = try Map.open(pinnedAt: directory + "/tc_counts")
        defer { perCPU.close() }
        #expect(try perCPU.lookupPerCPU(Support.bytes(UInt32(0)))?.count == Map.possibleCPUs)
        #expect(perCPU.valueBufferSize == 8 * Map.possibleCPUs)

        for name in ["tc_counts", "xdp_counts", "by_port"] {
            #expect(try BPFFileSystem.unpin(directory + "/" + name))
        }
        #expect(throws: BPFError.self) { try Map.open(pinnedAt: directory + "/xdp_counts") }
    }

    @Test func pinnedLinkOutlivesItsHandleAndReopens() async throws {
        try KernelTest.requireRoot()
        let path = Support.pinPath("link")
        defer { _ = try? BPFFileSystem.unpin(path) }
        let spec = try await Support.spec("syscalls")
        // The program counts the getpid calls of one thread: all of it runs on a thread of its own.
        struct Seen: Sendable { var ids: [UInt32], loadedWhilePinned: Bool, pinnedDelta: UInt64, unpinnedDelta: UInt64, pinGone: Bool }
        let seen = try await offThePool { () -> Seen in
            let tid = try Support.currentThreadID()
            let object = try LoadedObject.load(spec, rodata: ["target_tid": Support.bytes(tid)])
            let ids = try Support.programIDs(object)
            defer { object.close() }
            let link = try object.program(named: "tp_getpid").attachTracepoint(category: "syscalls", name: "sys_enter_getpid")
            try link.pin(at: path)
            link.close()                                   // pinned: stays attached
            let calls = try object.map(named: "getpid_calls")
            defer { calls.close() }
            object.close()                                 // the pinned link keeps the program
            let loaded = try Support.bpftoolProgramIDs().contains(ids[0])
            // Count deltas: Foundation (FileManager) may call getpid itself.
            let before = try Support.counter(calls)
            for _ in 0..<2 { _ = getpid() }
            let pinnedDelta = try Support.counter(calls) - before

            let reopened = try Link.open(pinnedAt: path)
            try reopened.unpin()
            reopened.close()                               // unpinned: detaches
            // The link goes with its last descriptor; a child another test spawns right now holds
            // copies until its exec, so wait until a getpid is no longer counted (3 s at most).
            _ = try Support.waitFor(seconds: 3) { () -> Void? in
                let before = try Support.counter(calls)
                _ = getpid()
                return try Support.counter(calls) == before ? nil : ()
            }
            let after = try Support.counter(calls)
            _ = getpid()
            return Seen(ids: ids, loadedWhilePinned: loaded, pinnedDelta: pinnedDelta,
                        unpinnedDelta: try Support.counter(calls) - after, pinGone: !FileManager.default.fileExists(atPath: path))
        }
        #expect(seen.loadedWhilePinned)
        #expect(seen.pinnedDelta == 2)
        #expect(seen.pinGone)
        #expect(seen.unpinnedDelta == 0)
        try Support.expectUnloaded(seen.ids)
    }
}
