import CBPF
import Foundation

extension Program {
    /// Attaches a kprobe (or kretprobe) program to kernel function `function`.
    /// Throws `BPFError.hookNotSupported` on kernels built without kprobes.
    public func attachKprobe(function: String, returnProbe: Bool = false) throws -> Link {
        try require(.kprobe, for: "a kprobe")
        guard Self.kernelHasKprobes else {
            throw BPFError.hookNotSupported("kprobe: this kernel has no kprobes (CONFIG_KPROBES is off); program '\(name)' cannot attach to \(function); use a tracepoint or tp_btf")
        }
        return try Link.attach(self, hook: "kprobe \(function)", call: "bpf_program__attach_kprobe") {
            bpf_program__attach_kprobe($0, returnProbe, function)
        }
    }

    /// True when the kernel offers kprobes (the `kprobe` perf event source exists).
    public static var kernelHasKprobes: Bool {
        FileManager.default.fileExists(atPath: "/sys/bus/event_source/devices/kprobe")
    }
}
