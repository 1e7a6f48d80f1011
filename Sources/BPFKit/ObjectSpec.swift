import CBPF
import Foundation

/// A compiled BPF object inspected without touching the kernel: its programs, maps, license
/// and `.rodata` parameters. Plain values; the compiler's static verifier reads it.
public struct ObjectSpec: Hashable, Sendable {
    /// The object's name (used as libbpf's object name and in errors).
    public let name: String
    /// The ELF bytes it was read from (LoadedObject loads these).
    public let elf: [UInt8]
    /// The `license` section's text, e.g. `GPL`.
    public let license: String
    /// The programs, in ELF order.
    public let programs: [ProgramSpec]
    /// The maps, internal ones (`.rodata`, `.bss`) included, in ELF order.
    public let maps: [MapSpec]
    /// The variables of the `.rodata` section, by offset (empty without BTF, i.e. without `-g`).
    public let rodata: [RodataVariable]

    /// Reads a BPF ELF object.
    public init(elf: [UInt8], name: String) throws {
        let object = try OpenedObject(elf: elf, name: name)
        defer { object.close() }
        self.name = name
        self.elf = elf
        license = ELFSections(elf).string(named: "license") ?? ""
        programs = object.programs.map { program in
            let count = bpf_program__insn_cnt(program)
            let base = UnsafeRawPointer(bpf_program__insns(program))
            let instructions = (0..<count).map { Instruction(raw: base! + $0 * 8) }
            return ProgramSpec(
                name: OpenedObject.name(of: program),
                section: String(cString: bpf_program__section_name(program)),
                type: ProgramType(rawValue: bpf_program__type(program).rawValue),
                expectedAttachType: AttachType(rawValue: bpf_program__expected_attach_type(program).rawValue),
                instructions: instructions)
        }
        maps = object.maps.map { map in
            MapSpec(name: OpenedObject.name(ofMap: map), type: MapType(rawValue: bpf_map__type(map).rawValue),
                    keySize: bpf_map__key_size(map), valueSize: bpf_map__value_size(map),
                    maxEntries: bpf_map__max_entries(map), flags: bpf_map__map_flags(map),
                    isInternal: bpf_map__is_internal(map))
        }
        rodata = Self.rodataVariables(btf: bpf_object__btf(object.pointer))
    }

    /// Reads a BPF ELF object.
    public init(elf: Data, name: String) throws {
        try self.init(elf: [UInt8](elf), name: name)
    }

    /// The program called `name`.
    public func program(named name: String) -> ProgramSpec? { programs.first { $0.name == name } }

    /// The map called `name`.
    public func map(named name: String) -> MapSpec? { maps.first { $0.name == name } }

    /// The `.rodata` variable called `name`.
    public func rodataVariable(named name: String) -> RodataVariable? { rodata.first { $0.name == name } }

    private static func rodataVariables(btf: OpaquePointer?) -> [RodataVariable] {
        guard let btf else { return [] }
        let section = btf__find_by_name_kind(btf, ".rodata", 15 /* BTF_KIND_DATASEC */)
        guard section > 0 else { return [] }
        let id = UInt32(section)
        return (0..<aeolus_btf_datasec_len(btf, id)).compactMap { index in
            var type: UInt32 = 0, offset: UInt32 = 0, size: UInt32 = 0
            guard let name = aeolus_btf_datasec_var(btf, id, index, &type, &offset, &size) else { return nil }
            var bits: Int32 = 0, signed: Int32 = 0
            let kind = aeolus_btf_resolve(btf, type, &bits, &signed)
            return RodataVariable(name: String(cString: name), offset: offset, size: size,
                                  kind: BTFKind(raw: kind), bits: Int(bits), isSigned: signed != 0)
        }
    }
}
