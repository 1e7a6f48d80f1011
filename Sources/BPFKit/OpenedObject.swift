import CBPF
import Foundation

/// A `bpf_object` opened from ELF bytes, with those bytes kept alive until it is closed.
///
/// libbpf keeps pointing at the buffer given to `bpf_object__open_mem` until
/// `bpf_object__load` returns, so the bytes live in an allocation owned here, not in a
/// `withUnsafeBytes` scope. Internal: ObjectSpec reads one and closes it; LoadedObject owns one.
final class OpenedObject {
    let pointer: OpaquePointer
    private let bytes: UnsafeMutableRawBufferPointer

    init(elf: [UInt8], name: String) throws {
        guard !elf.isEmpty else { throw BPFError.invalidArgument("object '\(name)': empty ELF") }
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: elf.count, alignment: 16)
        elf.withUnsafeBytes { bytes.copyMemory(from: $0) }
        do {
            pointer = try LibBPF.pointer("bpf_object__open_mem(\(name))") {
                aeolus_open_mem(bytes.baseAddress, bytes.count, name)
            }
        } catch {
            bytes.deallocate()
            throw error
        }
        self.bytes = bytes
    }

    /// Releases the object and everything it loaded.
    func close() {
        bpf_object__close(pointer)
        bytes.deallocate()
    }

    /// The object's programs, in ELF order.
    var programs: [OpaquePointer] {
        var result: [OpaquePointer] = []
        var cursor = bpf_object__next_program(pointer, nil)
        while let program = cursor {
            result.append(program)
            cursor = bpf_object__next_program(pointer, program)
        }
        return result
    }

    /// The object's maps, in ELF order.
    var maps: [OpaquePointer] {
        var result: [OpaquePointer] = []
        var cursor = bpf_object__next_map(pointer, nil)
        while let map = cursor {
            result.append(map)
            cursor = bpf_object__next_map(pointer, map)
        }
        return result
    }

    /// The internal map that holds `.rodata` (not `.rodata.str1.1` and the like).
    var rodataMap: OpaquePointer? {
        maps.first { bpf_map__is_internal($0) && String(cString: bpf_map__name($0)).hasSuffix(".rodata") }
    }

    static func name(of program: OpaquePointer) -> String { String(cString: bpf_program__name(program)) }
    static func name(ofMap map: OpaquePointer) -> String { String(cString: bpf_map__name(map)) }
}
