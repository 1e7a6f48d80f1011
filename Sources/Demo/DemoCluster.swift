import AeolusModel
import Foundation

/// The demo's "cluster" on one host: a node with pods that are network namespaces joined to a
/// bridge by veth pairs, addresses from 198.18.0.0/24 (inside the benchmarking range
/// 198.18.0.0/15, never routed anywhere), a pods file for the agent, and cleanup of everything it
/// made — also after a failure or SIGTERM (`tearDown` is idempotent and finds leftovers by name).
struct DemoCluster {
    /// One pod.
    struct Pod: Sendable {
        var name: String
        var labels: [String: String]
        var index: Int
        var netns: String { "aeolus-demo-\(name)" }
        var hostInterface: String { "aeo-\(name)" }   // ≤ 15 characters (IFNAMSIZ)
        var address: String { "198.18.0.\(10 + index)" }
    }

    static let bridge = "aeolus-demo0"
    static let gateway = "198.18.0.1"
    static let namespacePrefix = "aeolus-demo-"

    let pods: [Pod] = [
        Pod(name: "web-1", labels: ["app": "web", "tier": "frontend"], index: 1),
        Pod(name: "web-2", labels: ["app": "web", "tier": "frontend"], index: 2),
        Pod(name: "client", labels: ["app": "client"], index: 3),
        Pod(name: "dns", labels: ["app": "dns"], index: 4),
    ]

    func pod(_ name: String) -> Pod { pods.first { $0.name == name }! }

    /// What the kernel and the host must offer; each missing piece is named.
    static func missingFeatures() -> [String] {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root (the demo creates network namespaces and loads eBPF programs)") }
        if !FileManager.default.fileExists(atPath: "/sys/kernel/btf/vmlinux") { missing.append("kernel BTF (/sys/kernel/btf/vmlinux)") }
        if !FileManager.default.fileExists(atPath: "/proc/sys/net/core/bpf_jit_enable") { missing.append("the BPF JIT (CONFIG_BPF_JIT)") }
        for tool in ["ip", "tc", "iptables", "git", "python3", "prometheus"] where !Shell.has(tool) {
            missing.append("the `\(tool)` command")
        }
        if !FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events") && !FileManager.default.fileExists(atPath: "/sys/kernel/debug/tracing") {
            // tracefs is mounted by the agent when missing; only its absence from the kernel matters.
            if (try? String(contentsOfFile: "/proc/filesystems", encoding: .utf8))?.contains("tracefs") != true {
                missing.append("tracefs (CONFIG_TRACING)")
            }
        }
        return missing
    }

    /// Creates the bridge and the pods. Anything left from an earlier run is removed first.
    func setUp() throws {
        tearDown()
        try Shell.run(["ip", "link", "add", Self.bridge, "type", "bridge"])
        try Shell.run(["ip", "addr", "add", "\(Self.gateway)/24", "dev", Self.bridge])
        try Shell.run(["ip", "link", "set", Self.bridge, "up"])
        for pod in pods {
            try Shell.run(["ip", "netns", "add", pod.netns])
            try Shell.run(["ip", "link", "add", pod.hostInterface, "type", "veth", "peer", "name", "eth0", "netns", pod.netns])
            try Shell.run(["ip", "link", "set", pod.hostInterface, "master", Self.bridge, "up"])
            try Shell.run(["ip", "-n", pod.netns, "addr", "add", "\(pod.address)/24", "dev", "eth0"])
            try Shell.run(["ip", "-n", pod.netns, "link", "set", "eth0", "up"])
            try Shell.run(["ip", "-n", pod.netns, "link", "set", "lo", "up"])
            try Shell.run(["ip", "-n", pod.netns, "route", "add", "default", "via", Self.gateway])
        }
    }

    /// The agent's pods file.
    func podsFile() -> String {
        let entries = pods.map { pod -> String in
            let labels = pod.labels.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
            return "  {\"name\": \"\(pod.name)\", \"namespace\": \"default\", \"labels\": {\(labels)}, \"netns\": \"\(pod.netns)\", \"interface\": \"eth0\", \"hostInterface\": \"\(pod.hostInterface)\"}"
        }
        return "[\n" + entries.joined(separator: ",\n") + "\n]\n"
    }

    /// Runs `arguments` inside a pod's namespace.
    func exec(_ pod: Pod, _ arguments: [String]) throws {
        try Shell.run(["ip", "netns", "exec", pod.netns] + arguments)
    }

    /// Removes the pods, the bridge and their veths (iptables rules live in the namespaces and go
    /// with them). Safe to call at any time, as often as needed.
    func tearDown() {
        let namespaces = (try? Shell.run(["ip", "netns", "list"], check: false)) ?? ""
        for line in namespaces.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            if name.hasPrefix(Self.namespacePrefix) { _ = try? Shell.run(["ip", "netns", "delete", name], check: false) }
        }
        for pod in pods { _ = try? Shell.run(["ip", "link", "delete", pod.hostInterface], check: false) }
        _ = try? Shell.run(["ip", "link", "delete", Self.bridge], check: false)
    }
}
