import CBPF

extension Program {
    /// Attaches an XDP program to `interface` inside the network namespace at `namespace`
    /// (e.g. `/run/netns/NAME`; nil for this process's own). The kernel picks native mode
    /// when the driver has it (veth does), else generic. Detaches when the link closes.
    public func attachXDP(interface: String, namespace: String? = nil) throws -> Link {
        try require(.xdp, for: "XDP")
        let hook = "xdp \(interface)" + (namespace.map { " in \($0)" } ?? "")
        return try withProgram { pointer, _ in
            // The kernel resolves the ifindex in the calling thread's namespace.
            return try NetworkNamespaceThread.run(in: namespace) { [pointer = UncheckedPointer(pointer)] in
                let index = try NetworkNamespaceThread.interfaceIndex(interface, namespace: namespace)
                let link = try LibBPF.pointer("bpf_program__attach_xdp (\(self.name) → \(hook))") {
                    bpf_program__attach_xdp(pointer.value, index)
                }
                return try Link.adopt(link, hook: hook)
            }
        }
    }
}
