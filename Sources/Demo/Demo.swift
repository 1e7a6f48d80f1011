import Agent
import AeolusModel
import CurlKit
import Dictator
import Foundation
import ProcessKit

/// `aeolus demo`: the whole loop on this machine. A node with four pods (network namespaces on a
/// bridge) carrying real traffic; a git repository seeded from config-repo-example behind
/// `git daemon`; the dictator, an agent and a collector as processes; Prometheus scraping the
/// collector. Then the story: baseline probes from git → a policy by `git push` and webhook →
/// loss between two pods → retransmissions → a per-flow probe deployed by the dictator → its
/// metrics → the reaction committed to the status branch → its TTL removes it.
public struct Demo {
    /// The demo's options.
    public struct Options: Sendable {
        /// Stop after this many seconds from the start (nil: until Ctrl-C).
        public var duration: Int?
        /// The example config repository to seed from.
        public var configRepository: String
        /// Scratch folder (repository, logs, state); removed at exit unless `keep`.
        public var workdir: String
        /// Keep the workdir (logs) at exit.
        public var keep: Bool

        /// Creates options.
        public init(duration: Int?, configRepository: String, workdir: String, keep: Bool) {
            self.duration = duration
            self.configRepository = configRepository
            self.workdir = workdir
            self.keep = keep
        }
    }

    static let node = "demo-node"
    static let ttl = 30

    let options: Options
    let timeline = Timeline()
    let cluster = DemoCluster()
    let stop = StopSignal()
    let start = Date()

    /// A demo with `options`.
    public init(options: Options) {
        self.options = options
    }

    /// Runs the demo; returns the exit status (0: every step of the story happened).
    public func run() -> Int32 {
        let missing = DemoCluster.missingFeatures()
        guard missing.isEmpty else {
            timeline.log(.fail, "this machine cannot run the demo; missing:")
            for item in missing { timeline.log(.detail, "  - \(item)") }
            return 1
        }
        timeline.log(.ok, "kernel and tools: BPF JIT, BTF, tracefs, tc, iptables, git, Prometheus")
        stop.install()
        var services: DemoServices?
        var traffic: Traffic?
        defer {
            timeline.log(.step, "cleaning up: processes, probes, pins, namespaces, links")
            traffic?.stop()
            services?.stopAll()
            Applier.purge(AgentPaths(node: Self.node, bpffs: "/sys/fs/bpf", stateDirectory: options.workdir + "/agent"))
            cluster.tearDown()
            if !options.keep { try? FileManager.default.removeItem(atPath: options.workdir) }
            timeline.log(.ok, "nothing left behind\(options.keep ? " (logs kept in \(options.workdir)/logs)" : "")")
        }
        do {
            try? FileManager.default.removeItem(atPath: options.workdir)
            try FileManager.default.createDirectory(atPath: options.workdir, withIntermediateDirectories: true)
            let started = try DemoServices(logDirectory: options.workdir + "/logs")
            services = started
            let world = try setUp(services: started, traffic: &traffic)
            try story(world, services: started)
            timeline.log(.step, "the demo keeps running; look around:")
            timeline.log(.detail, "  status page   \(world.dictatorURL)/")
            timeline.log(.detail, "  Prometheus    \(world.prometheusURL)/graph?g0.expr=aeolus_pod_packets_total")
            timeline.log(.detail, "  repository    git clone \(world.gitURL)   (edit policies/, git push, then:)")
            timeline.log(.detail, "  webhook       curl -X POST -H 'X-GitHub-Event: push' -d '{\"ref\":\"refs/heads/main\"}' \(world.dictatorURL)/hooks/git")
            timeline.log(.detail, "  status        aeolus status --dictator \(world.dictatorURL) --token-file \(world.tokenFile)")
            waitUntilTheEnd(services: started)
            return 0
        } catch is StopSignal.Stopped {
            timeline.log(.warn, "interrupted")
            return 130
        } catch {
            timeline.log(.fail, "\(error)")
            if let services {
                for name in ["dictator", "agent", "collector"] {
                    let tail = services.tail(name)
                    if !tail.isEmpty {
                        timeline.log(.detail, "last lines of \(name).log:")
                        timeline.block(tail)
                    }
                }
            }
            return 1
        }
    }

    /// Where everything is.
    struct World {
        var gitURL: String
        var bareRepository: String
        var workTree: String
        var dictatorURL: String
        var prometheusURL: String
        var token: String
        var tokenFile: String
    }

    private func waitUntilTheEnd(services: DemoServices) {
        if let duration = options.duration {
            let end = start.addingTimeInterval(TimeInterval(duration))
            while Date() < end, !stop.isSet { Thread.sleep(forTimeInterval: 0.2) }
            timeline.log(.info, stop.isSet ? "stopping (signal)" : "--duration \(duration)s reached")
        } else {
            timeline.log(.info, "press Ctrl-C to stop")
            while !stop.isSet { Thread.sleep(forTimeInterval: 0.2) }
        }
    }
}

/// SIGINT and SIGTERM as a flag the demo polls, so cleanup always runs.
final class StopSignal: @unchecked Sendable {
    // @unchecked Sendable: `set` is guarded by `lock`; the dispatch sources are created once.
    struct Stopped: Error {}

    private let lock = NSLock()
    private var set = false
    private var sources: [DispatchSourceSignal] = []

    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return set }

    func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in lock.lock(); set = true; lock.unlock() }
            source.resume()
            sources.append(source)
        }
    }

    /// Throws `Stopped` once a signal arrived.
    func check() throws {
        if isSet { throw Stopped() }
    }
}
