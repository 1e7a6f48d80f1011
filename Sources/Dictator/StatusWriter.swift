import AeolusModel
import Foundation
import GitKit
import Logging
import ProcessKit
import ServiceLifecycle
import Synchronization
import Yams

/// Commits the dictator's status to the status branch and pushes it: at most one commit per
/// interval, only when the files changed. A push refused as non-fast-forward is redone on top of
/// the fetched branch, with backoff. It never writes any other branch.
public final class StatusWriter: Service, Sendable {
    /// The remote (its `statusBranch` is the only branch written).
    public let remote: GitRemote
    /// The bare clone shared with the git source.
    public let repository: Repository
    /// Minimum time between two commits.
    public let interval: Duration
    /// The commit author.
    public let author: Signature
    private let state: DictatorState
    private let wakeup = Wakeup()
    /// The files of the last commit this writer pushed (or found unchanged): when the status
    /// renders the same files again and no reaction is waiting, there is nothing to fetch for.
    private let lastWritten = Mutex<[String: String]?>(nil)
    /// Node files rendered for earlier commits, reused while a node's status stays the same.
    private let nodeFiles = NodeFileCache()
    /// The delays between failed pushes: full jitter from 100 ms doubling to 10 s, kept across
    /// intervals (a remote that stays unreachable is tried less and less often), reset by a push
    /// that succeeds.
    private let pushBackoff = Mutex(Backoff(base: .milliseconds(100), cap: .seconds(10)))
    private let logger: Logger

    /// Why the writer refuses to start.
    public struct Misconfigured: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// A writer for `remote.statusBranch`; refuses a status branch equal to the watched branch.
    public init(remote: GitRemote, repository: Repository, state: DictatorState, interval: Duration = .seconds(2),
                author: Signature = Signature(name: "aeolus dictator", email: "dictator@aeolus.invalid"),
                logger: Logger) throws {
        guard remote.statusBranch != remote.branch, !remote.statusBranch.isEmpty else {
            throw Misconfigured(description: "the status branch \"\(remote.statusBranch)\" must differ from the watched branch \"\(remote.branch)\"")
        }
        self.remote = remote
        self.repository = repository
        self.interval = interval
        self.author = author
        self.state = state
        self.logger = logger
    }

    /// What the status branch's tip recorded before a restart: the nodes (their status carries
    /// over), the reactions (the active ones carry on until their TTL) and the revision the
    /// summary names as applied.
    public struct Recorded: Sendable {
        /// The nodes' status files.
        public var nodes: [DictatorStatus.NodeStatus] = []
        /// The reaction files.
        public var reactions: [Reaction] = []
        /// `summary.yaml`'s revision.
        public var revision: String?
    }

    /// Reads the status branch's tip once, off the pool (thousands of files after months of
    /// reactions); empty when there is no status branch yet.
    public func recorded() async -> Recorded {
        let repository = self.repository, branch = GitRemote.tracking(remote.statusBranch)
        return await DedicatedThread.run("aeolus read status branch") { () -> Recorded in
            guard let tip = try? repository.resolve(branch), let snapshot = try? repository.snapshot(at: tip) else { return Recorded() }
            let decoder = YAMLDecoder()
            func documents<T: Decodable>(_ type: T.Type, under folder: String) -> [T] {
                snapshot.paths(under: folder).compactMap { path in
                    snapshot.text(at: path).flatMap { try? decoder.decode(T.self, from: $0) }
                }
            }
            let summary = snapshot.text(at: StatusPaths.summary).flatMap { try? decoder.decode(DictatorStatus.Summary.self, from: $0) }
            return Recorded(nodes: documents(DictatorStatus.NodeStatus.self, under: StatusPaths.nodes),
                            reactions: documents(Reaction.self, under: StatusPaths.reactions),
                            revision: summary?.revision)
        }
    }

    /// Writes every interval until graceful shutdown, then once more.
    public func run() async throws {
        await withGracefulShutdownHandler {
            while !(await wakeup.isStopped) {
                await writeWithRetries()
                await wakeup.wait(upTo: interval)
            }
        } onGracefulShutdown: {
            Task { await self.wakeup.stop() }
        }
        // The last write gets short waits: the stop deadline is near.
        pushBackoff.withLock { $0.reset() }
        await writeWithRetries(attempts: 2)
    }

    /// Writes, retrying on the push backoff (at most `attempts` tries). Returns the commit
    /// pushed, nil when nothing changed or every attempt failed.
    @discardableResult
    public func writeWithRetries(attempts: Int = 6) async -> ObjectID? {
        // Before the first revision is reconciled the state is not the dictator's view yet.
        guard await state.revision != nil else { return nil }
        var changes = await state.takeChanges()
        for attempt in 1...attempts {
            do {
                let commit = try await write(changes: changes)
                pushBackoff.withLock { $0.reset() }
                return commit
            } catch {
                await state.recordPushRetry()
                guard attempt < attempts else {
                    logger.warning("status push failed", metadata: [
                        "attempt": "\(attempt)", "branch": "\(remote.statusBranch)", "error": "\(error)"])
                    break
                }
                let delay = pushBackoff.withLock { $0.next() }
                logger.warning("status push failed", metadata: [
                    "attempt": "\(attempt)", "branch": "\(remote.statusBranch)", "error": "\(error)", "retryIn": "\(delay)"])
                try? await Task.sleep(for: delay)
                changes += await state.takeChanges()
            }
        }
        return nil
    }

    /// One attempt: fetch, commit the current status on top of the remote status branch (only if
    /// the files differ), push. Throws when the push is refused or the remote unreachable.
    public func write(changes: [String]) async throws -> ObjectID? {
        let status = await state.status()
        let files = try status.files(cache: nodeFiles)
        let reactions = await state.unwrittenReactions()
        if reactions.isEmpty, lastWritten.withLock({ $0 == files }) { return nil }
        try await repository.fetch(refspecs: GitRemote.refspecs(remote.statusBranch), credentials: remote.credentials)
        let parent = try? await repository.resolve(GitRemote.tracking(remote.statusBranch))
        var fileChanges: [String: FileChange] = files.mapValues { .write($0) }
        if let parent {
            // Reaction files are history: written once per change, never removed.
            for path in try await repository.snapshot(at: parent).paths(under: StatusPaths.root)
            where files[path] == nil && !path.hasPrefix(StatusPaths.reactions) {
                fileChanges[path] = .delete
            }
        }
        for reaction in reactions { fileChanges[reaction.statusPath] = .write(try StatusYAML.encode(reaction)) }
        let message = Self.message(status: status, changes: changes)
        let commit = try await repository.commit(onto: remote.statusBranch, parent: parent, changes: fileChanges,
                                           message: message, author: author)
        guard let commit else {
            await state.markWritten(reactions)
            lastWritten.withLock { $0 = files }
            return nil
        }
        try await repository.push(branch: remote.statusBranch, credentials: remote.credentials)
        await state.markWritten(reactions)
        lastWritten.withLock { $0 = files }
        await state.recordStatusCommit()
        logger.info("status committed", metadata: ["commit": "\(commit.hex)", "branch": "\(remote.statusBranch)"])
        return commit
    }

    /// `status: <revision> (<subject>)`, then one line per change.
    static func message(status: DictatorStatus, changes: [String]) -> String {
        let revision = status.summary.revision ?? "no revision yet"
        var lines = ["status: reconciled \(revision)" + (status.summary.message.map { " (\($0))" } ?? "")]
        var seen = Set<String>()
        let unique = changes.filter { seen.insert($0).inserted }
        if !unique.isEmpty {
            lines.append("")
            lines += unique.prefix(50).map { "- \($0)" }
            if unique.count > 50 { lines.append("- ... and \(unique.count - 50) more") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
