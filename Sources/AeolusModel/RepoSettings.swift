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

    /// Creates settings; every argument has the default a missing `aeolus.yaml` gives.
    public init(statusBranch: String = "aeolus/status", allowedHooks: [Hook] = Hook.supported,
                helpers: HelperPolicy = HelperPolicy(), limits: Limits = Limits(),
                reactionDefaults: EdgeDefaults = EdgeDefaults()) {
        self.statusBranch = statusBranch
        self.allowedHooks = allowedHooks
        self.helpers = helpers
        self.limits = limits
        self.reactionDefaults = reactionDefaults
    }
}

/// Which BPF helpers templates may call: a forbidden helper is always refused; when `allow` is not
/// empty, only the helpers it lists are accepted. Names may be written with or without `bpf_`.
public struct HelperPolicy: Sendable, Hashable, Codable {
    /// If not empty, the only helpers allowed.
    public var allow: [String]
    /// Helpers never allowed.
    public var forbid: [String]

    /// Helpers a monitoring probe must not call: they write user memory, change return values,
    /// send signals or run BPF commands.
    public static let defaultForbidden = [
        "bpf_probe_write_user", "bpf_override_return", "bpf_send_signal", "bpf_send_signal_thread", "bpf_sys_bpf",
        "bpf_sys_close",
    ]

    /// Creates a policy (by default: nothing listed as allowed, the dangerous helpers forbidden).
    public init(allow: [String] = [], forbid: [String] = HelperPolicy.defaultForbidden) {
        self.allow = allow
        self.forbid = forbid
    }

    /// Whether `helper` (e.g. `bpf_map_lookup_elem` or `map_lookup_elem`) may be called.
    public func permits(_ helper: String) -> Bool {
        let name = Self.normalized(helper)
        if forbid.contains(where: { Self.normalized($0) == name }) { return false }
        return allow.isEmpty || allow.contains { Self.normalized($0) == name }
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

    /// Creates limits (defaults: 100000 instructions, 1Mi map entries, 100 active reactions, 30 per minute).
    public init(maxInstructions: Int = 100_000, maxMapEntries: Int = 1 << 20, maxActiveReactions: Int = 100,
                reactionsPerMinute: Int = 30) {
        self.maxInstructions = maxInstructions
        self.maxMapEntries = maxMapEntries
        self.maxActiveReactions = maxActiveReactions
        self.reactionsPerMinute = reactionsPerMinute
    }
}
