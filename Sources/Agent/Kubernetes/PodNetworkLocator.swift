import Foundation
import Logging
import NetKit

/// Finds where a pod's network is on this node: the network namespace holding its IP, the
/// interface inside, and the host end of that interface's veth pair.
///
/// Candidates are the namespace files under `/run/netns` and `/var/run/netns` (where container
/// runtimes and CNI plugins mount them) and, for IPs not found there, the `/proc/<pid>/ns/net` of
/// the node's processes (runtimes that mount none); each namespace is read once, by identity
/// (nsfs device and inode), however many files name it, and the node's own namespace is never a
/// pod's. A namespace's interfaces are read over rtnetlink from a thread inside it.
///
/// Blocking (netlink, setns, a walk of /proc): called on the agent's kernel thread. Not
/// thread-safe; one owner.
final class PodNetworkLocator {
    /// Where one IP lives.
    struct Location: Sendable, Hashable {
        /// The namespace file.
        var netns: String
        /// The interface holding the IP, inside the namespace.
        var interface: String
        /// Its index inside the namespace.
        var index: Int
        /// The host end of its veth pair, when the peer is in the node's namespace.
        var hostInterface: String?
        /// The host end's index in the node's namespace.
        var hostIndex: Int?
    }

    /// What one namespace holds: its file and the links with addresses.
    private struct Scanned {
        var path: String
        var links: [NetworkLink]
    }

    private let directories: [String]
    private let scanProc: Bool
    private let fullScanInterval: Duration
    private let logger: Logger
    private var scanned: [NetworkNamespaceFile.ID: Scanned] = [:]
    private var lastFullScan: ContinuousClock.Instant?
    private let own = NetworkNamespaceFile.current?.id

    /// A locator reading `directories` and, while some IP is not found, every namespace again
    /// and (unless `scanProc` is false) those of `/proc`, at most once per `fullScanInterval`.
    init(directories: [String] = ["/run/netns", "/var/run/netns"], scanProc: Bool = true,
         fullScanInterval: Duration = .seconds(2), logger: Logger) {
        self.directories = directories
        self.scanProc = scanProc
        self.fullScanInterval = fullScanInterval
        self.logger = logger
    }

    /// The locations of `ips` that are found (IPs of no namespace are left out).
    func locate(_ ips: Set<String>) -> [String: Location] {
        guard !ips.isEmpty else { return [:] }
        var present = Set<NetworkNamespaceFile.ID>()
        for directory in directories {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                consider("\(directory)/\(name)", present: &present)
            }
        }
        var found = index(ips, among: present)
        if found.count < ips.count, lastFullScan.map({ ContinuousClock.now - $0 >= fullScanInterval }) ?? true {
            // Some IP is in no namespace read so far: read them all again (a CNI plugin gives the
            // interface its address after the namespace exists), and the processes' too.
            lastFullScan = .now
            var again = Set<NetworkNamespaceFile.ID>()
            for directory in directories {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                    consider("\(directory)/\(name)", present: &again, reread: true)
                }
            }
            if scanProc {
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where entry.first?.isNumber == true {
                    consider("/proc/\(entry)/ns/net", present: &again, reread: true)
                }
            }
            present.formUnion(again)
            found = index(ips, among: present)
        }
        // Namespaces no file names any more are gone (or their process ended): forget them, but
        // keep those found through /proc until the next /proc walk.
        for id in scanned.keys where !present.contains(id) && !(scanned[id]!.path.hasPrefix("/proc/") && pathExists(scanned[id]!.path)) {
            scanned[id] = nil
        }
        guard !found.isEmpty else { return [:] }
        let hostLinks = Dictionary((try? RouteNetlink.links())?.map { ($0.index, $0) } ?? [], uniquingKeysWith: { first, _ in first })
        return found.mapValues { location in
            var location = location.0
            if let peer = location.hostIndex, let host = hostLinks[peer], host.peerIndex == location.index {
                location.hostInterface = host.name
            } else {
                location.hostIndex = nil
            }
            return location
        }
    }

    /// Reads the namespace at `path` unless it is the node's own or already read.
    private func consider(_ path: String, present: inout Set<NetworkNamespaceFile.ID>, reread: Bool = false) {
        guard let namespace = NetworkNamespaceFile(path: path), namespace.id != own else { return }
        guard present.insert(namespace.id).inserted else { return }
        if !reread, let known = scanned[namespace.id], pathExists(known.path) { return }
        do {
            let links = try NetworkNamespaceFile.run(in: path) { try RouteNetlink.links() }
            scanned[namespace.id] = Scanned(path: path, links: links)
        } catch {
            logger.debug("cannot read the interfaces of \(path): \(error)")
        }
    }

    /// IP → (location without host names yet) among the namespaces in `present`.
    private func index(_ ips: Set<String>, among present: Set<NetworkNamespaceFile.ID>) -> [String: (Location, Int32?)] {
        var found: [String: (Location, Int32?)] = [:]
        for id in present {
            guard let namespace = scanned[id] else { continue }
            for link in namespace.links where link.name != "lo" {
                for address in link.addresses where ips.contains(address) {
                    let hostPeer = link.kind == "veth" && link.peerNamespaceID != nil ? link.peerIndex : nil
                    found[address] = (Location(netns: namespace.path, interface: link.name, index: link.index,
                                               hostInterface: nil, hostIndex: hostPeer), link.peerNamespaceID)
                }
            }
        }
        return found
    }

    private func pathExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
