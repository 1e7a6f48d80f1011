/// The named sections of a little-endian ELF64 file: just enough to read `license`
/// (libbpf 1.x no longer exposes it).
struct ELFSections {
    private var sections: [String: ArraySlice<UInt8>] = [:]

    init(_ elf: [UInt8]) {
        func read<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T? {
            guard offset >= 0, offset + MemoryLayout<T>.size <= elf.count else { return nil }
            return elf.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        // e_ident: "\x7fELF", class 2 (64-bit), data 1 (little-endian).
        guard elf.count >= 64, elf[0] == 0x7f, elf[1] == 0x45, elf[2] == 0x4c, elf[3] == 0x46,
              elf[4] == 2, elf[5] == 1,
              let shoff = read(0x28, as: UInt64.self), let shentsize = read(0x3a, as: UInt16.self),
              let shnum = read(0x3c, as: UInt16.self), let shstrndx = read(0x3e, as: UInt16.self)
        else { return }
        func header(_ index: Int) -> (name: Int, offset: Int, size: Int)? {
            let base = Int(shoff) + index * Int(shentsize)
            guard let name = read(base, as: UInt32.self), let offset = read(base + 0x18, as: UInt64.self),
                  let size = read(base + 0x20, as: UInt64.self), Int(offset) + Int(size) <= elf.count else { return nil }
            return (Int(name), Int(offset), Int(size))
        }
        guard let names = header(Int(shstrndx)) else { return }
        for index in 0..<Int(shnum) {
            guard let section = header(index) else { continue }
            var end = names.offset + section.name
            guard end < names.offset + names.size else { continue }
            let start = end
            while end < elf.count, elf[end] != 0 { end += 1 }
            let name = String(decoding: elf[start..<end], as: UTF8.self)
            sections[name] = elf[section.offset..<section.offset + section.size]
        }
    }

    /// The NUL-terminated text at the start of section `name`.
    func string(named name: String) -> String? {
        guard let bytes = sections[name] else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
