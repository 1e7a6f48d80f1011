/// What Aeolus knows about BPF helpers: their names (generated from the uapi header by
/// `make helpers`) and which ones the kernel reserves for GPL-compatible programs. Which helpers a
/// repository permits is `HelperPolicy`'s decision (AeolusModel).
public enum HelperCatalog {
    /// The name of helper `id` (`bpf_map_lookup_elem`), or `helper#id` for an id newer than the
    /// table.
    public static func name(of id: Int32) -> String {
        id >= 0 && Int(id) < namesByID.count ? namesByID[Int(id)] : "helper#\(id)"
    }

    /// The id of a helper given by name, with or without the `bpf_` prefix.
    public static func id(of name: String) -> Int32? {
        let full = name.hasPrefix("bpf_") ? name : "bpf_" + name
        return idsByName[full]
    }

    private static let idsByName: [String: Int32] = Dictionary(
        uniqueKeysWithValues: namesByID.enumerated().map { ($0.element, Int32($0.offset)) })

    /// Helpers the kernel only lets GPL-compatible programs call (`gpl_only` in their prototypes).
    public static let gplOnly: Set<String> = [
        "bpf_probe_read", "bpf_probe_read_str", "bpf_probe_read_kernel", "bpf_probe_read_kernel_str",
        "bpf_probe_read_user", "bpf_probe_read_user_str", "bpf_probe_write_user",
        "bpf_trace_printk", "bpf_trace_vprintk", "bpf_perf_event_output", "bpf_perf_event_read",
        "bpf_perf_event_read_value", "bpf_get_stackid", "bpf_get_stack", "bpf_get_task_stack",
        "bpf_get_current_task", "bpf_get_current_task_btf", "bpf_skb_output", "bpf_xdp_output",
        "bpf_send_signal", "bpf_send_signal_thread", "bpf_override_return", "bpf_d_path",
        "bpf_snprintf_btf", "bpf_seq_printf", "bpf_seq_write", "bpf_copy_from_user",
        "bpf_copy_from_user_task", "bpf_find_vma", "bpf_task_pt_regs", "bpf_get_func_ip",
        "bpf_ktime_get_tai_ns",
    ]

    /// Licenses the kernel treats as GPL-compatible (`license_is_gpl_compatible`).
    public static let gplCompatibleLicenses: Set<String> = [
        "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL",
    ]
}
