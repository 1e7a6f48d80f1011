import CBPF
import Foundation

/// Type information from the running kernel's BTF (`/sys/kernel/btf/vmlinux`).
public enum KernelBTF {
    /// The enumerators of the kernel's `enum <name>` (e.g. `skb_drop_reason`): value → name.
    /// Throws `BPFError.notFound` when the kernel has no BTF or no such enum.
    public static func enumerators(of name: String) throws -> [Int64: String] {
        let btf = try LibBPF.pointer("btf__load_vmlinux_btf") { () -> OpaquePointer? in
            let pointer = btf__load_vmlinux_btf()
            return aeolus_ptr_err(UnsafeRawPointer(pointer)) == 0 ? pointer : nil
        }
        defer { btf__free(btf) }
        let id = btf__find_by_name_kind(btf, name, UInt32(BTF_KIND_ENUM))
        guard id > 0, let type = btf__type_by_id(btf, UInt32(id)) else {
            throw BPFError.notFound("enum \(name) in the kernel's BTF")
        }
        var result: [Int64: String] = [:]
        let count = Int(btf_vlen(type))
        guard let first = btf_enum(type) else { return result }
        for index in 0..<count {
            let entry = first[index]
            if let text = btf__name_by_offset(btf, entry.name_off) {
                result[Int64(entry.val)] = String(cString: text)
            }
        }
        return result
    }
}
