import AeolusTesting
import Foundation
import ProcessKit
import Testing

/// packet-drops: packets the kernel dropped, by drop reason (tp_btf/kfree_skb), node-wide.
struct PacketDropsTests {
    @Test func countsUDPToAClosedPortAsNoSocket() async throws {
        try KernelTest.requireRoot()
        let noSocket = try DropReasons.value(of: "SKB_DROP_REASON_NO_SOCKET")
        let notSpecified = try DropReasons.value(of: "SKB_DROP_REASON_NOT_SPECIFIED")
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let probe = try await TemplateProbe("packet-drops")
        defer { probe.close() }

        let count = 10
        try pod.sendUDP(toPort: 40_001, count: count, payload: Array("nobody listens".utf8))

        // Key: reason u32 (enum skb_drop_reason). Node-wide, so at least our drops.
        let drops = try probe.counters("drops") { ($0[keyBytes(noSocket)] ?? 0) >= UInt64(count) }
        #expect((drops[keyBytes(noSocket)] ?? 0) >= UInt64(count))
        // include_unspecified defaults to false.
        #expect(drops[keyBytes(notSpecified)] == nil)
    }
}

/// Values of the running kernel's `enum skb_drop_reason`, read from its BTF.
enum DropReasons {
    /// The value of enumerator `name` (e.g. `SKB_DROP_REASON_NO_SOCKET`).
    static func value(of name: String) throws -> UInt32 {
        guard let value = try all()[name] else { throw TemplateTestError("\(name) is not in the kernel's BTF") }
        return value
    }

    /// Every `SKB_DROP_REASON_*` enumerator, from `bpftool btf dump file /sys/kernel/btf/vmlinux`.
    private static func all() throws -> [String: UInt32] {
        let text = try Subprocess.collect("/usr/sbin/bpftool", ["btf", "dump", "file", "/sys/kernel/btf/vmlinux"]).standardOutput
        var values: [String: UInt32] = [:]
        // Lines look like: 	'SKB_DROP_REASON_NO_SOCKET' val=3
        for line in text.split(separator: "\n") where line.contains("'SKB_DROP_REASON_") {
            let parts = line.split(separator: "'")
            guard parts.count == 3, let equals = parts[2].split(separator: "=").last,
                  let value = UInt32(equals.trimmingCharacters(in: .whitespaces)) else { continue }
            values[String(parts[1])] = value
        }
        return values
    }
}
