/// One BPF instruction (`struct bpf_insn`, 8 bytes), as the compiler's static verifier reads it.
public struct Instruction: Hashable, Sendable, Codable {
    /// The opcode (class | size/op | source).
    public let opcode: UInt8
    /// Destination register (0...10).
    public let dst: UInt8
    /// Source register; for a call, 0 = helper, 1 = BPF-to-BPF call, 2 = kfunc.
    public let src: UInt8
    /// Signed offset.
    public let offset: Int16
    /// Signed immediate; for a helper call, the helper id.
    public let imm: Int32

    /// Creates an instruction from its fields.
    public init(opcode: UInt8, dst: UInt8, src: UInt8, offset: Int16, imm: Int32) {
        self.opcode = opcode; self.dst = dst; self.src = src; self.offset = offset; self.imm = imm
    }

    /// Decodes the 8 bytes of a little-endian `struct bpf_insn`.
    init(raw: UnsafeRawPointer) {
        let regs = raw.load(fromByteOffset: 1, as: UInt8.self)
        self.init(opcode: raw.load(as: UInt8.self), dst: regs & 0x0f, src: regs >> 4,
                  offset: raw.loadUnaligned(fromByteOffset: 2, as: Int16.self),
                  imm: raw.loadUnaligned(fromByteOffset: 4, as: Int32.self))
    }

    /// `BPF_JMP | BPF_CALL` (0x85).
    public static let callOpcode: UInt8 = 0x85

    /// The helper id when this is a call to a BPF helper (`BPF_JMP|BPF_CALL`, src_reg 0), else nil.
    public var helperID: Int32? { opcode == Self.callOpcode && src == 0 ? imm : nil }
}
