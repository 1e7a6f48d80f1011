import CBPF
import Foundation

/// Kernel accounting of BPF program run counts and run time (`ProgramInfo.runCount/runTime`).
///
/// Off by default. `BPFStats.enable()` turns it on for as long as the returned value is open
/// (BPF_ENABLE_STATS); `setSysctl` flips `kernel.bpf_stats_enabled` for the whole machine.
///
/// `@unchecked Sendable`: the fd is only read or closed under `lock`.
public final class BPFStats: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close() }

    /// Turns run-time statistics on until the returned value is closed.
    public static func enable() throws -> BPFStats {
        let fd = LibBPF.call { bpf_enable_stats(BPF_STATS_RUN_TIME) }
        guard fd >= 0 else { throw LibBPF.failure("bpf_enable_stats(BPF_STATS_RUN_TIME)", code: fd) }
        return BPFStats(fd: fd)
    }

    /// Stops holding statistics on (idempotent).
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// The sysctl file behind `kernel.bpf_stats_enabled`.
    public static let sysctlPath = "/proc/sys/kernel/bpf_stats_enabled"

    /// Sets `kernel.bpf_stats_enabled` (machine-wide, until set back).
    public static func setSysctl(_ enabled: Bool) throws {
        do {
            try (enabled ? "1\n" : "0\n").write(toFile: sysctlPath, atomically: false, encoding: .utf8)
        } catch {
            throw BPFError.callFailed(call: "write(\(sysctlPath))", errno: EACCES, message: "\(error)")
        }
    }
}
