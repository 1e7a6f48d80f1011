import Foundation
import Logging

/// Where and how a `LeaderElector` competes: the Lease, the candidate's identity and the timings
/// (client-go's defaults: lease 15 s, renew deadline 10 s, retry 2 s).
public struct LeaderElectionConfiguration: Sendable, Hashable {
    /// The Lease's namespace.
    public var namespace: String
    /// The Lease's name.
    public var name: String
    /// This candidate's identity (unique among candidates: host name and pid).
    public var identity: String
    /// How long a lease holds without renewal; stand-bys take over after it.
    public var leaseDuration: Duration = .seconds(15)
    /// How long the leader keeps retrying a failed renewal before it steps down; shorter than
    /// `leaseDuration`, so that it stops before anyone else may take over.
    public var renewDeadline: Duration = .seconds(10)
    /// Time between attempts to acquire or renew.
    public var retryPeriod: Duration = .seconds(2)

    /// A configuration with client-go's timings.
    public init(namespace: String, name: String, identity: String) {
        self.namespace = namespace
        self.name = name
        self.identity = identity
    }

    /// `host_pid`: unique per process, and readable in `kubectl get lease -o yaml`.
    public static func defaultIdentity() -> String {
        "\(ProcessInfo.processInfo.hostName)_\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// The `spec` of a `coordination.k8s.io/v1` Lease, as leader election reads and writes it.
public struct LeaseRecord: Sendable, Hashable {
    /// The leader; empty when released.
    public var holderIdentity: String
    /// Seconds the lease holds after `renewTime`.
    public var leaseDurationSeconds: Int64
    /// When the holder acquired it.
    public var acquireTime: Date?
    /// When the holder last renewed it.
    public var renewTime: Date?
    /// How many times the holder changed.
    public var leaseTransitions: Int64

    /// Reads a Lease object's spec.
    public init(lease: KubeObject) {
        let spec = lease.json["spec"]
        holderIdentity = spec?["holderIdentity"]?.string ?? ""
        leaseDurationSeconds = spec?["leaseDurationSeconds"]?.integer ?? 0
        acquireTime = spec?["acquireTime"]?.string.flatMap(LeaseRecord.parseTime)
        renewTime = spec?["renewTime"]?.string.flatMap(LeaseRecord.parseTime)
        leaseTransitions = spec?["leaseTransitions"]?.integer ?? 0
    }

    /// A record.
    public init(holderIdentity: String, leaseDurationSeconds: Int64, acquireTime: Date?, renewTime: Date?, leaseTransitions: Int64) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }

    /// The record as a Lease spec (times as RFC 3339 MicroTime).
    public var spec: JSONValue {
        var members: [String: JSONValue] = ["holderIdentity": .string(holderIdentity),
                                            "leaseDurationSeconds": .integer(leaseDurationSeconds),
                                            "leaseTransitions": .integer(leaseTransitions)]
        if let acquireTime { members["acquireTime"] = .string(Self.formatTime(acquireTime)) }
        if let renewTime { members["renewTime"] = .string(Self.formatTime(renewTime)) }
        return .object(members)
    }

    /// Whether the lease has run out at `now`: released (no holder), or not renewed for its duration.
    public func isExpired(at now: Date) -> Bool {
        guard !holderIdentity.isEmpty, let renewTime else { return true }
        return renewTime.addingTimeInterval(TimeInterval(leaseDurationSeconds)) < now
    }

    /// `2006-01-02T15:04:05.000000Z` (UTC).
    static func formatTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Parses RFC 3339 with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// Leader election on a `coordination.k8s.io/v1` Lease, with client-go's semantics: a candidate
/// acquires the Lease when it is absent (create) or expired (update with the object's
/// resourceVersion: a 409 Conflict means another candidate won, and it retries later); the
/// leader renews it every retry period and steps down when it could not renew within the renew
/// deadline; `release()` clears the holder so that a stand-by takes over at once.
///
/// A lease counts as expired when its `renewTime + leaseDurationSeconds` has passed, or when
/// this candidate has seen the same record unchanged for the lease duration by its own clock (a
/// holder whose clock lags still loses its lease).
public actor LeaderElector {
    /// The election's configuration.
    public nonisolated let configuration: LeaderElectionConfiguration
    private let client: KubeClient
    private let logger: Logger
    private var observed: (resourceVersion: String, at: ContinuousClock.Instant)?
    private var lastRenew: ContinuousClock.Instant?

    /// An elector talking to the API through `client`.
    public init(client: KubeClient, configuration: LeaderElectionConfiguration,
                logger: Logger = Logger(label: "aeolus.leader-election")) {
        // A hung request must not hold the leader past its renew deadline.
        var client = client
        client.requestTimeout = min(client.requestTimeout, configuration.renewDeadline / 4)
        self.client = client
        self.configuration = configuration
        self.logger = logger
    }

    /// Whether this candidate held the lease at its last successful acquire or renew, within the
    /// lease duration.
    public var isLeader: Bool {
        guard let lastRenew else { return false }
        return ContinuousClock.now - lastRenew < configuration.leaseDuration
    }

    /// Tries to acquire the lease, or renew it when held, once. True when this candidate holds it
    /// now; false when another does (or won a race). Throws when the API cannot be reached.
    public func tryAcquireOrRenew() async throws(KubeError) -> Bool {
        let resource = KubeResource.leases(namespace: configuration.namespace)
        let now = Date()
        let seconds = Int64(configuration.leaseDuration.components.seconds)
        guard let lease = try await client.get(resource, name: configuration.name) else {
            let record = LeaseRecord(holderIdentity: configuration.identity, leaseDurationSeconds: seconds,
                                     acquireTime: now, renewTime: now, leaseTransitions: 0)
            let object: JSONValue = ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                     "metadata": ["name": .string(configuration.name), "namespace": .string(configuration.namespace)],
                                     "spec": record.spec]
            do {
                try await client.create(resource, object: object)
            } catch .status(let status, _) where status.code == 409 {
                lastRenew = nil
                return false  // created by another candidate in the meantime
            }
            return succeeded(acquired: true)
        }
        let current = LeaseRecord(lease: lease)
        let version = lease.resourceVersion ?? ""
        let clock = ContinuousClock.now
        if observed?.resourceVersion != version { observed = (version, clock) }
        let held = current.holderIdentity == configuration.identity
        let staleLocally = observed.map { clock - $0.at > configuration.leaseDuration } ?? false
        if !held && !current.isExpired(at: now) && !staleLocally {
            lastRenew = nil
            return false
        }
        var record = current
        if !held {
            record.holderIdentity = configuration.identity
            record.acquireTime = now
            record.leaseTransitions = current.leaseTransitions + 1
        }
        record.leaseDurationSeconds = seconds
        record.renewTime = now
        var object = lease.json.object ?? [:]
        object["spec"] = record.spec
        do {
            try await client.replace(resource, name: configuration.name, object: .object(object))
        } catch .status(let status, _) where status.code == 409 {
            lastRenew = nil
            return false  // another candidate wrote first: whoever held it, this one does not now
        }
        return succeeded(acquired: !held)
    }

    private func succeeded(acquired: Bool) -> Bool {
        lastRenew = ContinuousClock.now
        observed = nil
        if acquired {
            logger.notice("acquired the lease", metadata: ["lease": "\(configuration.namespace)/\(configuration.name)",
                                                          "identity": "\(configuration.identity)"])
        }
        return true
    }

    /// Waits until this candidate holds the lease, trying every retry period (API errors are
    /// logged and retried). Throws `CancellationError` when the task is cancelled first.
    public func acquire() async throws(CancellationError) {
        var waiting = false
        while true {
            if Task.isCancelled { throw CancellationError() }
            do {
                if try await tryAcquireOrRenew() { return }
                if !waiting {
                    logger.info("waiting for the lease", metadata: ["lease": "\(configuration.namespace)/\(configuration.name)"])
                    waiting = true
                }
            } catch {
                logger.warning("cannot acquire the lease: \(error)")
            }
            do { try await Task.sleep(for: configuration.retryPeriod) } catch { throw CancellationError() }
        }
    }

    /// Renews the lease every retry period while leading; returns when leadership is lost: another
    /// candidate holds the lease, or no renewal succeeded within the renew deadline. Returns at
    /// once when the task is cancelled (then `release()`).
    public func renewUntilLost() async {
        var lastSuccess = ContinuousClock.now
        while !Task.isCancelled {
            do { try await Task.sleep(for: configuration.retryPeriod) } catch { return }
            do {
                if try await tryAcquireOrRenew() {
                    lastSuccess = ContinuousClock.now
                    continue
                }
                logger.error("the lease is held by another candidate: stepping down")
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot renew the lease: \(error)")
            }
            if ContinuousClock.now - lastSuccess >= configuration.renewDeadline {
                logger.error("the lease was not renewed within the renew deadline: stepping down")
                lastRenew = nil
                return
            }
        }
    }

    /// Gives the lease up when this candidate holds it: the holder is cleared (and the duration
    /// set to 1 s, as client-go does) so that a stand-by acquires it at its next try.
    public func release() async throws(KubeError) {
        let resource = KubeResource.leases(namespace: configuration.namespace)
        lastRenew = nil
        guard let lease = try await client.get(resource, name: configuration.name),
              LeaseRecord(lease: lease).holderIdentity == configuration.identity else { return }
        var record = LeaseRecord(lease: lease)
        record.holderIdentity = ""
        record.leaseDurationSeconds = 1
        record.renewTime = Date()
        var object = lease.json.object ?? [:]
        object["spec"] = record.spec
        do {
            try await client.replace(resource, name: configuration.name, object: .object(object))
        } catch .status(let status, _) where status.code == 409 {
            return  // changed meanwhile: no longer ours to release
        }
        logger.notice("released the lease", metadata: ["lease": "\(configuration.namespace)/\(configuration.name)"])
    }
}
