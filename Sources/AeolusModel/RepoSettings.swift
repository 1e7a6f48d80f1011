/// Repository-wide settings from `aeolus.yaml`: where status goes, which hooks and BPF helpers
/// templates may use, limits on programs and reactions, and edge defaults. Missing file → defaults.
public struct RepoSettings: Sendable, Hashable, Codable {
    /// The branch the dictator commits status files to.
    public var statusBranch: String
    /// Hooks templates may attach to.
    public var allowedHooks: [Hook]
    /// Which BPF helpers programs may call.
    public var helpers: HelperPolicy
    /// Size and rate limits.
    public var limits: Limits
    /// ttl, cooldown and maxActive for edges that set none.
    public var reactionDefaults: EdgeDefaults
    /// Repository folders of shared headers, passed to clang as `-I` for every template.
    public var include: [String]

    /// Creates settings; every argument has the default a missing `aeolus.yaml` gives.
    public init(statusBranch: String = "aeolus/status", allowedHooks: [Hook] = Hook.supported,
                helpers: HelperPolicy = HelperPolicy(), limits: Limits = Limits(),
                reactionDefaults: EdgeDefaults = EdgeDefaults(), include: [String] = []) {
        self.statusBranch = statusBranch
        self.allowedHooks = allowedHooks
        self.helpers = helpers
        self.limits = limits
        self.reactionDefaults = reactionDefaults
        self.include = include
    }
}

/// Which BPF helpers templates may call. A helper is permitted when it is in the built-in list
/// of observing helpers (`defaultAllowed`) or in `allow`, and not in `forbid`. Anything else — and
/// in particular every helper that writes memory, changes return values, signals processes or
/// drives the BPF syscall — is refused unless the repository names it in `allow`, where reviewers
/// see it. Names may be written with or without `bpf_`.
public struct HelperPolicy: Sendable, Hashable, Codable {
    /// Helpers permitted in addition to `defaultAllowed`.
    public var allow: [String]
    /// Helpers refused even when otherwise permitted.
    public var forbid: [String]

    /// Helpers a monitoring probe must not call: they write user memory, change return values,
    /// send signals or run BPF commands. Refused by default (they are not in `defaultAllowed`);
    /// listed so that `forbid` also names them explicitly.
    public static let defaultForbidden = [
        "bpf_probe_write_user", "bpf_override_return", "bpf_send_signal", "bpf_send_signal_thread", "bpf_sys_bpf",
        "bpf_sys_close",
    ]

    /// Helpers a monitoring probe may call without the repository saying so: map access, time,
    /// packet and socket reads, ring buffers. None writes packets, user memory or other
    /// processes' state.
    public static let defaultAllowed: Set<String> = [
        "map_lookup_elem", "map_update_elem", "map_delete_elem",
        "map_push_elem", "map_pop_elem", "map_peek_elem", "map_lookup_percpu_elem",
        "for_each_map_elem", "loop", "tail_call",
        "ktime_get_ns", "ktime_get_boot_ns", "ktime_get_coarse_ns", "ktime_get_tai_ns",
        "jiffies64", "get_smp_processor_id", "get_numa_node_id", "get_prandom_u32",
        "get_current_pid_tgid", "get_current_uid_gid", "get_current_comm",
        "get_current_cgroup_id", "get_current_ancestor_cgroup_id",
        "skb_load_bytes", "skb_load_bytes_relative", "get_hash_recalc",
        "get_cgroup_classid", "skb_cgroup_id", "skb_ancestor_cgroup_id",
        "sk_cgroup_id", "sk_ancestor_cgroup_id", "get_socket_cookie", "get_socket_uid",
        "get_netns_cookie", "sk_fullsock", "tcp_sock", "get_listener_sock",
        "skc_to_tcp_sock", "skc_to_tcp6_sock", "skc_to_udp6_sock",
        "skc_to_tcp_timewait_sock", "skc_to_tcp_request_sock",
        "xdp_load_bytes", "xdp_get_buff_len", "csum_diff",
        "ringbuf_output", "ringbuf_reserve", "ringbuf_submit", "ringbuf_discard",
        "ringbuf_query", "perf_event_output", "skb_output", "xdp_output",
        "probe_read_kernel", "probe_read_kernel_str", "get_func_ip",
        "get_func_arg", "get_func_arg_cnt", "get_func_ret",
        "snprintf", "strncmp", "spin_lock", "spin_unlock",
        "get_current_task", "get_current_task_btf",
    ]

    /// Creates a policy (by default: the built-in list, the dangerous helpers named as forbidden).
    public init(allow: [String] = [], forbid: [String] = HelperPolicy.defaultForbidden) {
        self.allow = allow
        self.forbid = forbid
    }

    /// Whether `helper` (e.g. `bpf_map_lookup_elem` or `map_lookup_elem`) may be called.
    public func permits(_ helper: String) -> Bool {
        let name = Self.normalized(helper)
        if forbid.contains(where: { Self.normalized($0) == name }) { return false }
        return Self.defaultAllowed.contains(name) || allow.contains { Self.normalized($0) == name }
    }

    static func normalized(_ name: String) -> String { name.hasPrefix("bpf_") ? String(name.dropFirst(4)) : name }
}

/// Limits the compiler, verifier and reaction engine enforce.
public struct Limits: Sendable, Hashable, Codable {
    /// Maximum BPF instructions in one program of an object.
    public var maxInstructions: Int
    /// Maximum max_entries of any map.
    public var maxMapEntries: Int
    /// Maximum follow-up probes alive at once across all edges.
    public var maxActiveReactions: Int
    /// Maximum reactions started per minute across all edges.
    public var reactionsPerMinute: Int
    /// Maximum bytes of any one file of the repository (a revision with a bigger one is refused).
    public var maxFileBytes: Int
    /// Maximum bytes of all files of the repository together.
    public var maxRepositoryBytes: Int
    /// Maximum template folders.
    public var maxTemplates: Int
    /// Maximum probe policies across every policy file.
    public var maxPolicies: Int
    /// Maximum edges of the graph.
    public var maxEdges: Int

    /// Creates limits (defaults: 100000 instructions, 1Mi map entries, 100 active reactions, 30 per
    /// minute; files of 1 MiB, 64 MiB in all, 500 templates, 10000 policies, 5000 edges).
    public init(maxInstructions: Int = 100_000, maxMapEntries: Int = 1 << 20, maxActiveReactions: Int = 100,
                reactionsPerMinute: Int = 30, maxFileBytes: Int = 1 << 20, maxRepositoryBytes: Int = 64 << 20,
                maxTemplates: Int = 500, maxPolicies: Int = 10_000, maxEdges: Int = 5_000) {
        self.maxInstructions = maxInstructions
        self.maxMapEntries = maxMapEntries
        self.maxActiveReactions = maxActiveReactions
        self.reactionsPerMinute = reactionsPerMinute
        self.maxFileBytes = maxFileBytes
        self.maxRepositoryBytes = maxRepositoryBytes
        self.maxTemplates = maxTemplates
        self.maxPolicies = maxPolicies
        self.maxEdges = maxEdges
    }

    /// Decodes limits written before the repository limits existed (status files, last-good files).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Limits()
        func value(_ key: CodingKeys, _ fallback: Int) throws -> Int { try container.decodeIfPresent(Int.self, forKey: key) ?? fallback }
        self.init(maxInstructions: try value(.maxInstructions, defaults.maxInstructions),
                  maxMapEntries: try value(.maxMapEntries, defaults.maxMapEntries),
                  maxActiveReactions: try value(.maxActiveReactions, defaults.maxActiveReactions),
                  reactionsPerMinute: try value(.reactionsPerMinute, defaults.reactionsPerMinute),
                  maxFileBytes: try value(.maxFileBytes, defaults.maxFileBytes),
                  maxRepositoryBytes: try value(.maxRepositoryBytes, defaults.maxRepositoryBytes),
                  maxTemplates: try value(.maxTemplates, defaults.maxTemplates),
                  maxPolicies: try value(.maxPolicies, defaults.maxPolicies),
                  maxEdges: try value(.maxEdges, defaults.maxEdges))
    }
}
