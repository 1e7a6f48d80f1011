/// What Aeolus knows about BPF helpers: their names, which ones observe without side effects
/// (allowed unless a repository forbids them), and which ones the kernel reserves for
/// GPL-compatible programs.
///
/// The table of names is generated from the uapi header (`make helpers`); the policy sets are
/// written here, because they are Aeolus' decision, not the kernel's.
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

    /// Helpers a monitoring probe may call without the repository saying so: map access, time,
    /// packet and socket reads, ring buffers. Nothing here writes packets, user memory or other
    /// processes' state.
    public static let allowedByDefault: Set<String> = [
        "bpf_map_lookup_elem", "bpf_map_update_elem", "bpf_map_delete_elem",
        "bpf_map_push_elem", "bpf_map_pop_elem", "bpf_map_peek_elem", "bpf_map_lookup_percpu_elem",
        "bpf_for_each_map_elem", "bpf_loop", "bpf_tail_call",
        "bpf_ktime_get_ns", "bpf_ktime_get_boot_ns", "bpf_ktime_get_coarse_ns", "bpf_ktime_get_tai_ns",
        "bpf_jiffies64", "bpf_get_smp_processor_id", "bpf_get_numa_node_id", "bpf_get_prandom_u32",
        "bpf_get_current_pid_tgid", "bpf_get_current_uid_gid", "bpf_get_current_comm",
        "bpf_get_current_cgroup_id", "bpf_get_current_ancestor_cgroup_id",
        "bpf_skb_load_bytes", "bpf_skb_load_bytes_relative", "bpf_get_hash_recalc",
        "bpf_get_cgroup_classid", "bpf_skb_cgroup_id", "bpf_skb_ancestor_cgroup_id",
        "bpf_sk_cgroup_id", "bpf_sk_ancestor_cgroup_id", "bpf_get_socket_cookie", "bpf_get_socket_uid",
        "bpf_get_netns_cookie", "bpf_sk_fullsock", "bpf_tcp_sock", "bpf_get_listener_sock",
        "bpf_skc_to_tcp_sock", "bpf_skc_to_tcp6_sock", "bpf_skc_to_udp6_sock",
        "bpf_skc_to_tcp_timewait_sock", "bpf_skc_to_tcp_request_sock",
        "bpf_xdp_load_bytes", "bpf_xdp_get_buff_len", "bpf_csum_diff",
        "bpf_ringbuf_output", "bpf_ringbuf_reserve", "bpf_ringbuf_submit", "bpf_ringbuf_discard",
        "bpf_ringbuf_query", "bpf_perf_event_output", "bpf_skb_output", "bpf_xdp_output",
        "bpf_probe_read_kernel", "bpf_probe_read_kernel_str", "bpf_get_func_ip",
        "bpf_get_func_arg", "bpf_get_func_arg_cnt", "bpf_get_func_ret",
        "bpf_snprintf", "bpf_strncmp", "bpf_spin_lock", "bpf_spin_unlock",
        "bpf_get_current_task", "bpf_get_current_task_btf",
    ]

    /// Helpers no repository gets by default, whatever else it allows: they write user memory,
    /// change return values, signal processes or drive the BPF syscall. A repository that really
    /// needs one must name it in `helpers.allow` (and reviewers see that line in the diff).
    public static let forbiddenByDefault: Set<String> = [
        "bpf_probe_write_user", "bpf_override_return", "bpf_send_signal", "bpf_send_signal_thread",
        "bpf_sys_bpf", "bpf_sys_close", "bpf_copy_from_user", "bpf_copy_from_user_task",
        "bpf_d_path", "bpf_ima_inode_hash", "bpf_ima_file_hash", "bpf_kptr_xchg",
    ]

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
