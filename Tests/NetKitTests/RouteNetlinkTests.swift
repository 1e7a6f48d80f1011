import AeolusTesting
import Foundation
@testable import NetKit
import Testing

/// rtnetlink links and addresses, read in the root namespace and inside a test pod's namespace.
struct RouteNetlinkTests {
    @Test func aPodsInterfaceNamesItsHostPeer() throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let inside = try NetworkNamespaceFile.run(in: pod.path) { try RouteNetlink.links() }
        let eth = try #require(inside.first { $0.name == pod.interface })
        #expect(eth.kind == "veth")
        #expect(eth.isUp)
        #expect(eth.addresses.first == pod.address)   // then its IPv6 link-local address
        #expect(eth.peerNamespaceID != nil)
        #expect(inside.contains { $0.name == "lo" && $0.addresses.contains("127.0.0.1") })

        let host = try RouteNetlink.links()
        let peer = try #require(host.first { $0.name == pod.hostInterface })
        #expect(eth.peerIndex == peer.index)
        #expect(peer.peerIndex == eth.index)
        #expect(peer.kind == "veth")
        #expect(peer.addresses.first == pod.hostAddress)
    }

    @Test func namespacesAreTheSameWhateverFileNamesThem() throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let byName = try #require(NetworkNamespaceFile(path: pod.path))
        let own = try #require(NetworkNamespaceFile.current)
        #expect(byName.id != own.id)
        let seenFromInside = try NetworkNamespaceFile.run(in: pod.path) { NetworkNamespaceFile(path: "/proc/thread-self/ns/net")?.id }
        #expect(seenFromInside == byName.id)
        #expect(NetworkNamespaceFile(path: "/run/netns/does-not-exist-\(UUID())") == nil)
    }

    @Test func attributesStopAtATruncatedOne() {
        // rta_len 8 type 3 "ab\0\0", then a header claiming 12 bytes with only 6 left.
        let bytes: [UInt8] = [8, 0, 3, 0, 97, 98, 0, 0, 12, 0, 5, 0, 1, 2]
        let parsed = RouteNetlink.attributes(bytes[...])
        #expect(parsed.count == 1)
        #expect(parsed.first?.0 == 3)
    }
}
