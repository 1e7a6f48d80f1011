import AeolusTesting
import Foundation
@testable import NetKit
import Testing

/// tc filters on clsact hooks, listed over rtnetlink inside a test pod's namespace.
struct TrafficControlFilterTests {
    /// A classic BPF filter that returns -1 (tc's `bytecode` syntax): this kernel has cls_bpf but
    /// neither matchall nor the gact action.
    static let acceptAll = "1,6 0 0 4294967295,"

    @Test func filtersAreListedWithTheirHookPriorityHandleAndKind() async throws {
        try KernelTest.requireRoot()
        let pod = try await offThePool { try NetworkNamespace() }
        defer { pod.close() }
        let none = try await offThePool { try NetworkNamespaceFile.run(in: pod.path) { try RouteNetlink.filters(interface: pod.interface) } }
        #expect(none.isEmpty, "no clsact qdisc yet: no filters, no error")

        let tc = ["/usr/sbin/ip", "netns", "exec", pod.name, "tc"]
        try await Subprocess.run(tc[0], Array(tc.dropFirst()) + ["qdisc", "add", "dev", pod.interface, "clsact"])
        try await Subprocess.run(tc[0], Array(tc.dropFirst()) + ["filter", "add", "dev", pod.interface, "ingress", "pref", "7",
                                                                 "handle", "0xae000001", "bpf", "bytecode", Self.acceptAll])
        try await Subprocess.run(tc[0], Array(tc.dropFirst()) + ["filter", "add", "dev", pod.interface, "egress", "pref", "9",
                                                                 "handle", "0x2", "bpf", "bytecode", Self.acceptAll])
        let filters = try await offThePool { try NetworkNamespaceFile.run(in: pod.path) { try RouteNetlink.filters(interface: pod.interface) } }
        #expect(filters.map(\.direction) == [.ingress, .egress])
        #expect(filters.map(\.priority) == [7, 9])
        #expect(filters.map(\.handle) == [0xAE00_0001, 2])
        // Classic BPF (no eBPF program: no id); a program's name and id are read in AgentFaultTests.
        #expect(filters.allSatisfy { $0.kind == "bpf" && $0.programID == nil })
        #expect(Set(filters.map(\.ifindex)).count == 1)
    }

    @Test func aMissingInterfaceIsAnError() {
        #expect(throws: NetKitError.self) { try RouteNetlink.filters(interface: "no-such-if0") }
    }
}
