import AeolusModel
import CommitVerification
import Compiler
import Foundation
import GitKit
import Logging
import ProcessKit
import ServiceKit
import ServiceLifecycle
import Synchronization

/// A source of desired policies (git now; ProbePolicy custom resources and reactions later):
/// a service that keeps `DictatorState.setPolicies(_:source:)` (or `apply`) up to date.
public protocol DesiredSource: Service {
    /// The source's name (`git`, `kubernetes`, `reactions`): the `source` of its probes.
    var name: String { get }
}

/// Where the dictator's git clone lives and how it reaches the remote.
public struct GitRemote: Sendable {
    /// The config repository's URL.
    public var url: String
    /// The branch people push to (watched, never written).
    public var branch: String
    /// The branch the status writer commits to.
    public var statusBranch: String
    /// How to authenticate.
    public var credentials: Credentials

    /// Describes a remote.
    public init(url: String, branch: String = "main", statusBranch: String = "aeolus/status", credentials: Credentials = .none) {
        self.url = url
        self.branch = branch
        self.statusBranch = statusBranch
        self.credentials = credentials
    }

    /// The refspec fetching only `branch` into its remote-tracking reference: the dictator reads
    /// the watched branch and writes the status branch, never the feature branches people push.
    static func refspecs(_ branch: String) -> [String] { ["+refs/heads/\(branch):\(tracking(branch))"] }

    /// The remote-tracking reference of `branch`.
    static func tracking(_ branch: String) -> String { "refs/remotes/origin/\(branch)" }

    /// Opens the bare clone at `path`, or clones `url` there.
    public func openClone(at path: String) async throws -> Repository {
        if FileManager.default.fileExists(atPath: path + "/HEAD") { return try await Repository.open(at: path) }
        try? FileManager.default.removeItem(atPath: path)
        return try await Repository.clone(url: url, to: path, bare: true, credentials: credentials)
    }
}

/// The git source: fetches the watched branch on the poll interval and at once when
/// `trigger()` is called (the webhook), checks and compiles each new revision, and applies it.
public final class GitSource: DesiredSource, Sendable {
    public let name = "git"
    /// The remote.
    public let remote: GitRemote
    /// The bare clone.
    public let repository: Repository
    /// Time between fetches.
    public let pollInterval: Duration
    /// Checks the branch head's signature before anything of it is read; nil: no check.
    public let verifier: CommitVerifier?
    /// The revision applied before a restart (the status branch's summary), applied when the
    /// head is refused and nothing is live yet.
    let lastApplied: String?
    private let state: DictatorState
    private let reconciler: ReconcilerBox
    private let wakeup = Wakeup()
    /// When the oldest webhook not yet served by a fetch arrived.
    private let triggered = Mutex<ContinuousClock.Instant?>(nil)
    private let logger: Logger

    /// A source polling `remote` through the bare clone `repository`.
    /// The last good objects are kept in `lastGoodFile` (when given) across restarts. With a
    /// `verifier`, a head commit it refuses is not applied (see `verify(_:with:)`); when nothing
    /// is live yet, `lastApplied` (the revision applied before a restart) is, if it verifies.
    public init(remote: GitRemote, repository: Repository, compiler: RepositoryCompiler, state: DictatorState,
                pollInterval: Duration, lastGoodFile: String? = nil, verifier: CommitVerifier? = nil,
                lastApplied: String? = nil, logger: Logger) {
        self.remote = remote
        self.verifier = verifier
        self.lastApplied = lastApplied
        self.repository = repository
        self.pollInterval = pollInterval
        self.state = state
        let lastGood = lastGoodFile.map(Reconciler.loadLastGood) ?? [:]
        self.reconciler = ReconcilerBox(Reconciler(compiler: compiler, lastGood: lastGood), file: lastGoodFile, logger: logger)
        self.logger = logger
    }

    /// Fetches now (a webhook arrived).
    public func trigger() {
        triggered.withLock { $0 = $0 ?? .now }
        Task { await wakeup.signal() }
    }

    /// Fetches and reconciles until graceful shutdown: every poll interval, and after a failed
    /// fetch sooner, on a backoff (full jitter from 1 s doubling up to the poll interval) that a
    /// fetch that succeeds resets.
    public func run() async throws {
        await withGracefulShutdownHandler {
            var backoff = Self.fetchBackoff(pollInterval: pollInterval)
            while !(await wakeup.isStopped) {
                var fetched = true
                await poll(fetched: &fetched)
                await wakeup.wait(upTo: Self.wait(afterFetch: fetched, backoff: &backoff, pollInterval: pollInterval))
            }
        } onGracefulShutdown: {
            Task { await self.wakeup.stop() }
        }
    }

    /// The schedule of fetches after a failed one: full jitter from 1 s (or the poll interval, if
    /// shorter) doubling up to the poll interval.
    static func fetchBackoff(pollInterval: Duration) -> Backoff {
        Backoff(base: min(.seconds(1), pollInterval), cap: pollInterval)
    }

    /// How long to wait before the next fetch: the poll interval after a fetch that succeeded
    /// (which resets `backoff`), the backoff's next delay after one that failed.
    static func wait(afterFetch fetched: Bool, backoff: inout Backoff, pollInterval: Duration) -> Duration {
        guard !fetched else {
            backoff.reset()
            return pollInterval
        }
        return backoff.next()
    }

    /// One fetch; reconciles when the branch moved. Returns the revision in use.
    ///
    /// Logs at debug level how long each stage took (`wait_ms` from the webhook to the fetch,
    /// `fetch_ms`, `snapshot_ms`, `build_ms` for check and compile, `plan_ms` for planning and
    /// waking the watches, then `save_ms` for the last good objects, after the watches).
    @discardableResult
    public func pollOnce() async -> String? {
        var fetched = true
        return await poll(fetched: &fetched)
    }

    /// `pollOnce()`, setting `fetched` to false when the fetch failed.
    private func poll(fetched: inout Bool) async -> String? {
        let start = ContinuousClock.now
        let webhook = triggered.withLock { instant in defer { instant = nil }; return instant }
        var stages = Stages(start: start)
        do {
            try await repository.fetch(refspecs: GitRemote.refspecs(remote.branch), credentials: remote.credentials)
        } catch {
            fetched = false
            await state.recordFetchError()
            logger.error("fetch failed", metadata: ["url": "\(remote.url)", "error": "\(error)"])
        }
        stages.lap("fetch")
        do {
            let commit = try await repository.resolve(GitRemote.tracking(remote.branch))
            if await state.revision == commit.hex { return commit.hex }
            if await state.refusedRevision == commit.hex { return await state.revision }
            var signer: Signer?
            if let verifier {
                switch try await verify(commit, with: verifier) {
                case .success(let signed): signer = signed
                case .failure(let refusal):
                    // Nothing of an untrusted revision is read or compiled; what is live stays live.
                    if await state.revision == nil { await restoreLastApplied(verifier) }
                    await state.refuse(RevisionRefusal(revision: commit.hex, reason: refusal.reason.rawValue, detail: refusal.message))
                    return await state.revision
                }
                stages.lap("verify")
            }
            try await reconcile(commit, signer: signer, stages: &stages, start: start, webhook: webhook)
            return await state.revision
        } catch {
            logger.error("cannot read the branch", metadata: ["branch": "\(remote.branch)", "error": "\(error)"])
            return nil
        }
    }
}

extension GitSource {
    /// Reads, checks, compiles and applies `commit` (signed by `signer`, when verified).
    private func reconcile(_ commit: ObjectID, signer: Signer?, stages: inout Stages,
                           start: ContinuousClock.Instant, webhook: ContinuousClock.Instant?) async throws {
        let snapshot = try await repository.snapshot(at: commit)
        stages.lap("snapshot")
        let reconciler = self.reconciler
        var outcome = await DedicatedThread.run("aeolus reconcile") {
            reconciler.reconcile(snapshot: snapshot.files, revision: commit.hex,
                                 subject: snapshot.message.split(separator: "\n").first.map(String.init) ?? "")
        }
        outcome.signer = signer?.description
        stages.lap("build")
        await state.apply(outcome)
        // Refused as a whole (over the repository limits): the state logged why; nothing changed.
        if outcome.refused != nil { return }
        stages.lap("plan")
        let elapsed = seconds(ContinuousClock.now - start)
        await state.recordReconcile(seconds: elapsed)
        // Saved once the watches are woken: only the next start reads the file.
        // The revision's files, decoded documents and clang's output are garbage now: give their
        // pages back, so a large revision does not leave the dictator at its peak for good.
        await DedicatedThread.run("aeolus save last good") {
            reconciler.save()
            FreedMemory.returnToKernel()
        }
        stages.lap("save")
        var metadata: Logger.Metadata = [
            "revision": "\(commit.hex)", "seconds": "\(elapsed)",
            "templates": "\(outcome.templates.count)", "errors": "\(outcome.errors.keys.sorted())"]
        if let signer { metadata["signed_by"] = "\(signer)" }
        logger.info("reconciled", metadata: metadata)
        if logger.logLevel <= .debug {
            var metadata = stages.metadata
            metadata["revision"] = "\(commit.hex)"
            if let webhook { metadata["wait_ms"] = "\(Stages.milliseconds(start - webhook))" }
            logger.debug("reconcile stages", metadata: metadata)
        }
    }

    /// A restarted dictator whose branch head is refused has nothing live yet: it applies the
    /// revision its status branch records as applied before the restart, when that commit is still
    /// in the clone and still verifies, so the last good revision stays live across restarts.
    private func restoreLastApplied(_ verifier: CommitVerifier) async {
        guard let revision = lastApplied, let commit = ObjectID(hex: revision) else { return }
        do {
            guard case .success(let signer) = try await verify(commit, with: verifier) else {
                logger.warning("the revision applied before the restart no longer verifies", metadata: ["revision": "\(revision)"])
                return
            }
            var stages = Stages(start: .now)
            try await reconcile(commit, signer: signer, stages: &stages, start: .now, webhook: nil)
            logger.notice("head refused: applied the revision applied before the restart", metadata: ["revision": "\(revision)"])
        } catch {
            logger.warning("cannot apply the revision applied before the restart", metadata: [
                "revision": "\(revision)", "error": "\(error)"])
        }
    }

    /// The verdict on `commit`'s signature: who signed it, or why it is refused. The signature is
    /// read by libgit2 on a thread of its own; checking it is pure.
    func verify(_ commit: ObjectID, with verifier: CommitVerifier) async throws -> Result<Signer, SignatureRefusal> {
        let signed = try await repository.signature(of: commit)
        return verifier.verify(signature: signed.signature, signedData: signed.signedData, committerTime: signed.committerTime)
    }
}

/// Durations of the stages of one reconcile, for the debug log.
struct Stages {
    private var last: ContinuousClock.Instant
    private(set) var metadata: Logger.Metadata = [:]

    init(start: ContinuousClock.Instant) { last = start }

    /// Records the time since the previous lap as `<name>_ms`.
    mutating func lap(_ name: String) {
        let now = ContinuousClock.now
        metadata[name + "_ms"] = "\(Self.milliseconds(now - last))"
        last = now
    }

    /// A duration in milliseconds with one decimal.
    static func milliseconds(_ duration: Duration) -> String { format(seconds(duration) * 1000) }

    private static func format(_ milliseconds: Double) -> String { String(format: "%.1f", milliseconds) }
}

/// The reconciler behind a lock: reconciles run one at a time on a dedicated thread.
final class ReconcilerBox: @unchecked Sendable {
    // @unchecked Sendable: `reconciler` is only touched while holding `lock`.
    private var reconciler: Reconciler
    private let lock = NSLock()
    private let file: String?
    private let logger: Logger
    /// Template → digest of the objects in the file.
    private var savedDigests: [String: String]

    init(_ reconciler: Reconciler, file: String?, logger: Logger) {
        self.reconciler = reconciler
        savedDigests = reconciler.lastGood.mapValues(\.digest)
        self.file = file
        self.logger = logger
    }

    /// Reconciles (without saving: see `save()`).
    func reconcile(snapshot: [String: Data], revision: String, subject: String) -> ReconcileOutcome {
        lock.withLock { reconciler.reconcile(snapshot: snapshot, revision: revision, subject: subject) }
    }

    /// Saves the last good objects to the file, if there is one and they changed since the last
    /// save (most revisions change policies, not objects).
    func save() {
        guard let file else { return }
        lock.withLock {
            let digests = reconciler.lastGood.mapValues(\.digest)
            guard digests != savedDigests else { return }
            do {
                try reconciler.save(to: file)
                savedDigests = digests
            } catch {
                logger.error("cannot save the last good objects", metadata: ["file": "\(file)", "error": "\(error)"])
            }
        }
    }
}
