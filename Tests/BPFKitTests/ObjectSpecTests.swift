import AeolusTesting
import BPFKit
import Testing

/// ObjectSpec reads compiled objects without the kernel.
struct ObjectSpecTests {
    @Test func listsProgramsMapsRodataAndLicense() async throws {
        let spec = try await Support.spec("udp_count")
        #expect(spec.license == "GPL")
        #expect(spec.programs.map(\.name) == ["tc_udp_count", "xdp_udp_count"])

        let tc = try #require(spec.program(named: "tc_udp_count"))
        #expect(tc.section == "tc")
        #expect(tc.type == .schedCLS)
        #expect(tc.instructionCount > 10)
        #expect(tc.helperIDs.contains(1))        // bpf_map_lookup_elem
        #expect(tc.helperIDs.contains(2))        // bpf_map_update_elem
        #expect(spec.program(named: "xdp_udp_count")?.type == .xdp)

        let counts = try #require(spec.map(named: "tc_counts"))
        #expect(counts.type == .percpuArray)
        #expect([counts.keySize, counts.valueSize, counts.maxEntries] == [4, 8, 1])
        let byPort = try #require(spec.map(named: "by_port"))
        #expect(byPort.type == .hash && byPort.keySize == 2 && byPort.maxEntries == 16 && !byPort.isInternal)
        #expect(spec.maps.contains { $0.isInternal && $0.name.hasSuffix(".rodata") })

        #expect(spec.rodata == [RodataVariable(name: "port", offset: 0, size: 2, kind: .int, bits: 16, isSigned: false)])
    }

    @Test(arguments: [
        ("syscalls", "tp_getpid", "tracepoint/syscalls/sys_enter_getpid", ProgramType.tracepoint),
        ("syscalls", "btf_sys_enter", "tp_btf/sys_enter", ProgramType.tracing),
        ("cgroup_udp", "cg_udp_egress", "cgroup_skb/egress", ProgramType.cgroupSKB),
        ("kprobe", "kp_nanosleep", "kprobe/do_nanosleep", ProgramType.kprobe),
    ])
    func readsSectionsAndTypes(object: String, program: String, section: String, type: ProgramType) async throws {
        let spec = try await Support.spec(object)
        let found = try #require(spec.program(named: program))
        #expect(found.section == section)
        #expect(found.type == type)
    }

    @Test func readsExpectedAttachTypesAndHelpers() async throws {
        let syscalls = try await Support.spec("syscalls")
        #expect(syscalls.program(named: "btf_sys_enter")?.expectedAttachType == .traceRawTracepoint)
        #expect(syscalls.program(named: "tp_getpid")?.helperIDs == [14, 1])  // get_current_pid_tgid, map_lookup_elem
        #expect(try await Support.spec("cgroup_udp").program(named: "cg_udp_egress")?.expectedAttachType == .cgroupEgress)
        #expect(try await Support.spec("kprobe").license == "Dual BSD/GPL")
    }

    @Test func rejectsBytesThatAreNotAnObject() {
        #expect(throws: BPFError.self) { try ObjectSpec(elf: [1, 2, 3, 4], name: "junk") }
        #expect(throws: BPFError.self) { try ObjectSpec(elf: [], name: "empty") }
    }
}
