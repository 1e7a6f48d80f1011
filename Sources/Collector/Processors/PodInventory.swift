import AeolusModel
import Foundation
import Logging

/// The agent's pod inventory file as the `k8sattributes` processor sees it: read again only when
/// it changes (inode, modification time or size), indexed once per change, and the pods that left
/// it kept for a grace period.
///
/// A missing file means no pods (one warning when it goes missing); an unreadable or garbled one
/// keeps the last good inventory (one warning per bad version). `refresh` stats and reads the file:
/// call it off the cooperative pool.
///
/// `@unchecked Sendable`: all state is guarded by `lock`.
final class PodInventory: @unchecked Sendable {
    /// What lookups use: the pods in the file, then those that left it within the grace period.
    struct Snapshot: Sendable {
        let current: PodIndex
        let departed: PodIndex
    }

    private struct Version: Equatable {
        let inode: UInt64
        let seconds: Int
        let nanoseconds: Int
        let size: Int64
    }

    /// The file's path.
    let path: String
    private let config: K8sAttributesProcessorConfig
    private let logger: Logger
    private let lock = NSLock()
    private var version: Version?
    private var missing = false
    private var pods: [PodRecord] = []
    private var current = PodIndex.empty
    private var departed: [(pod: PodRecord, until: ContinuousClock.Instant)] = []
    private var departedIndex = PodIndex.empty
    private var node = ""

    /// The inventory at `config.podsFile`.
    init(config: K8sAttributesProcessorConfig, logger: Logger) {
        path = config.podsFile
        self.config = config
        self.logger = logger
    }

    /// The index now, after reading the file again if it changed. Blocks on the file system.
    func refresh(now: ContinuousClock.Instant = .now) -> Snapshot {
        lock.withLock {
            reloadIfChanged(now: now)
            if departed.contains(where: { $0.until <= now }) {
                departed.removeAll { $0.until <= now }
                departedIndex = PodIndex(pods: departed.map(\.pod), node: node, config: config)
            }
            return Snapshot(current: current, departed: departedIndex)
        }
    }

    private func reloadIfChanged(now: ContinuousClock.Instant) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if !missing {
                logger.warning("no pod inventory at \(path): points pass without pod attributes until it appears")
                missing = true
            }
            version = nil
            replace(with: [], node: node, now: now)
            return
        }
        let seen = Version(inode: UInt64(info.st_ino), seconds: info.st_mtim.tv_sec, nanoseconds: info.st_mtim.tv_nsec, size: Int64(info.st_size))
        guard seen != version else { return }
        version = seen
        let inventory: NodePods
        do {
            inventory = try NodePods.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            logger.warning("pod inventory \(path) is unreadable, keeping the last one (\(pods.count) pods): \(error)")
            return
        }
        if missing { logger.info("pod inventory found at \(path)") }
        missing = false
        replace(with: inventory.pods, node: inventory.node, now: now)
    }

    /// Makes `pods` current; those no longer listed depart for the grace period.
    private func replace(with pods: [PodRecord], node: String, now: ContinuousClock.Instant) {
        guard pods != self.pods || node != self.node else { return }
        let listed = Set(pods.map(\.qualifiedName))
        let until = now + config.podDeleteGracePeriod
        departed.removeAll { listed.contains($0.pod.qualifiedName) }
        departed += self.pods.filter { !listed.contains($0.qualifiedName) }.map { ($0, until) }
        self.pods = pods
        self.node = node
        current = PodIndex(pods: pods, node: node, config: config)
        departedIndex = PodIndex(pods: departed.map(\.pod), node: node, config: config)
    }
}
