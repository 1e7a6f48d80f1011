/// A program in a compiled object, as read from the ELF (no kernel state).
public struct ProgramSpec: Hashable, Sendable, Codable {
    /// The C function name.
    public let name: String
    /// The ELF section (`SEC("...")`), e.g. `tc`, `xdp`, `tracepoint/syscalls/sys_enter_getpid`.
    public let section: String
    /// The program type libbpf derived from the section.
    public let type: ProgramType
    /// The expected attach type libbpf derived from the section.
    public let expectedAttachType: AttachType
    /// The instructions as compiled (before load-time relocation).
    public let instructions: [Instruction]

    /// Number of instructions.
    public var instructionCount: Int { instructions.count }

    /// The ids of the BPF helpers the program calls, in first-call order, without repeats.
    public var helperIDs: [Int32] {
        var seen = Set<Int32>()
        return instructions.compactMap(\.helperID).filter { seen.insert($0).inserted }
    }
}
