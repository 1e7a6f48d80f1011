/// The tracing file system (tracefs), where libbpf finds tracepoint ids.
public enum TraceFS {
    /// The usual mount point.
    public static let path = "/sys/kernel/tracing"

    /// Mounts tracefs at /sys/kernel/tracing if it is not mounted (tracepoint attach needs it).
    public static func ensureMounted() throws {
        try Mounts.ensure(path, type: "tracefs", source: "nodev")
    }
}
