import AeolusTesting
import Foundation
import Logging
import Testing
@testable import Agent

/// Finding pods' network namespaces by IP, with real namespaces of this test.
@Suite struct PodNetworkLocatorTests {
    @Test func findsEachIPsNamespaceInterfaceAndHostVeth() throws {
        try KernelTest.requireRoot()
        let pods = [try NetworkNamespace(), try NetworkNamespace()]
        defer { pods.forEach { $0.close() } }
        let locator = PodNetworkLocator(directories: ["/run/netns"], scanProc: false, logger: Logger(label: "test"))
        let found = locator.locate(Set(pods.map(\.address) + ["198.18.255.254"]))
        for pod in pods {
            let location = try #require(found[pod.address], "\(pod.address) in \(found)")
            #expect(location.netns == pod.path)
            #expect(location.interface == pod.interface)
            #expect(location.hostInterface == pod.hostInterface)
            #expect(location.hostIndex == Int(if_nametoindex(pod.hostInterface)))
        }
        #expect(found["198.18.255.254"] == nil, "an IP no namespace holds")
        #expect(found[pods[0].hostAddress] == nil, "the node's own namespace is never a pod's")
    }

    @Test func anAddressGivenAfterTheFirstLookIsFoundLater() throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let locator = PodNetworkLocator(directories: ["/run/netns"], scanProc: false, fullScanInterval: .zero, logger: Logger(label: "test"))
        let late = "198.18.255.77"
        #expect(locator.locate([pod.address, late])[late] == nil)
        // The CNI plugin gives the interface a second address after the namespace was first read.
        try pod.exec(["/usr/sbin/ip", "addr", "add", "\(late)/32", "dev", pod.interface])
        #expect(locator.locate([pod.address, late])[late]?.netns == pod.path)
    }

    @Test func aNamespaceNoFileNamesIsFoundThroughItsProcesses() async throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        // A process inside the namespace: what a runtime that mounts no namespace file leaves.
        let sleeper = try ChildProcess("/usr/sbin/ip", ["netns", "exec", pod.name, "sleep", "60"], standardOutput: .null, standardError: .null)
        defer { _ = sleeper.killSynchronously() }
        let address = pod.address
        let location = try await offThePool { () -> PodNetworkLocator.Location? in
            // Off the pool: the walk of /proc and the namespace threads block.
            let locator = PodNetworkLocator(directories: [], scanProc: true, fullScanInterval: .zero, logger: Logger(label: "test"))
            for _ in 0..<50 {
                if let found = locator.locate([address])[address] { return found }
                usleep(100_000)
            }
            return nil
        }
        let found = try #require(location)
        #expect(found.netns.hasPrefix("/proc/") && found.netns.hasSuffix("/ns/net"), "\(found.netns)")
        #expect(found.interface == pod.interface && found.hostInterface == pod.hostInterface)
    }
}
