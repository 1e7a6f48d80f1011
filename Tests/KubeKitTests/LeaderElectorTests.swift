import AeolusTesting
import Foundation
@testable import KubeKit
import Testing

/// Leader election against the fake API server's Leases.
@Suite struct LeaderElectorTests {
    static let namespace = "aeolus-system"

    static func elector(_ server: FakeKubeAPIServer, _ identity: String, lease: String,
                        leaseDuration: Duration = .seconds(6)) -> LeaderElector {
        var configuration = LeaderElectionConfiguration(namespace: namespace, name: lease, identity: identity)
        configuration.leaseDuration = leaseDuration
        configuration.renewDeadline = .seconds(4)
        configuration.retryPeriod = .milliseconds(250)
        return LeaderElector(client: KubeClient(config: KubeConfig(server: server.url, credentials: .token(server.token))),
                             configuration: configuration)
    }

    static func spec(_ server: FakeKubeAPIServer, lease: String) throws -> [String: Any] {
        try server.lease(namespace: namespace, name: lease)?["spec"] as? [String: Any] ?? [:]
    }

    /// Runs `body` with a limit; a test never hangs on an election that does not happen.
    static func within<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask { try await Task.sleep(for: limit); return nil }
            defer { group.cancelAll() }
            guard case .some(.some(let value)) = try await group.next() else {
                Issue.record("timed out: \(what)")
                throw CancellationError()
            }
            return value
        }
    }

    @Test func oneLeadsTheOtherStandsByAndTakesOverOnRelease() async throws {
        let server = try await FakeKubeAPIServer.start()
        // A lease far longer than the test: the stand-by can only take over through the release.
        let first = Self.elector(server, "first", lease: "release", leaseDuration: .seconds(600))
        let second = Self.elector(server, "second", lease: "release", leaseDuration: .seconds(600))
        try await Self.within(.seconds(60), "the first acquires") { try await first.acquire() }
        #expect(await first.isLeader)
        let created = try Self.spec(server, lease: "release")
        #expect(created["holderIdentity"] as? String == "first")
        #expect(created["leaseDurationSeconds"] as? Int == 600)
        #expect(created["leaseTransitions"] as? Int == 0)
        #expect(created["acquireTime"] is String && created["renewTime"] is String)

        #expect(try await second.tryAcquireOrRenew() == false)
        let standBy = Task { try await second.acquire() }
        try await Task.sleep(for: .seconds(1))
        #expect(try Self.spec(server, lease: "release")["holderIdentity"] as? String == "first")
        // The leader renews: renewTime moves, the holder stays.
        #expect(try await first.tryAcquireOrRenew())

        try await first.release()
        #expect(await !first.isLeader)
        try await Self.within(.seconds(60), "the stand-by takes over") { try await standBy.value }
        let taken = try Self.spec(server, lease: "release")
        #expect(taken["holderIdentity"] as? String == "second")
        #expect(taken["leaseTransitions"] as? Int == 1)
        #expect(await second.isLeader)
        // The old leader comes back as a stand-by.
        #expect(try await first.tryAcquireOrRenew() == false)
    }

    @Test func anExpiredLeaseIsTakenOverAndALiveOneIsNot() async throws {
        let server = try await FakeKubeAPIServer.start()
        let elector = Self.elector(server, "newcomer", lease: "expiry")
        let old = LeaseRecord(holderIdentity: "ghost", leaseDurationSeconds: 15, acquireTime: Date(timeIntervalSinceNow: -3600),
                              renewTime: Date(timeIntervalSinceNow: -60), leaseTransitions: 3)
        try server.setLease(namespace: Self.namespace, name: "expiry", spec: Self.dictionary(old.spec))
        #expect(try await elector.tryAcquireOrRenew())
        let taken = try Self.spec(server, lease: "expiry")
        #expect(taken["holderIdentity"] as? String == "newcomer")
        #expect(taken["leaseTransitions"] as? Int == 4)
        #expect(taken["leaseDurationSeconds"] as? Int == 6)

        let live = LeaseRecord(holderIdentity: "ghost", leaseDurationSeconds: 15, acquireTime: Date(), renewTime: Date(), leaseTransitions: 5)
        try server.setLease(namespace: Self.namespace, name: "live", spec: Self.dictionary(live.spec))
        #expect(try await Self.elector(server, "newcomer", lease: "live").tryAcquireOrRenew() == false)
        #expect(try Self.spec(server, lease: "live")["holderIdentity"] as? String == "ghost")
    }

    @Test(arguments: [false, true]) func racingCandidatesElectExactlyOne(expiredFirst: Bool) async throws {
        let server = try await FakeKubeAPIServer.start()
        let lease = "race"
        if expiredFirst {
            let old = LeaseRecord(holderIdentity: "ghost", leaseDurationSeconds: 1, acquireTime: nil,
                                  renewTime: Date(timeIntervalSinceNow: -60), leaseTransitions: 0)
            try server.setLease(namespace: Self.namespace, name: lease, spec: Self.dictionary(old.spec))
        }
        // A long lease: on a loaded machine the winner must still count as leader when checked.
        let electors = (0..<4).map { Self.elector(server, "candidate-\($0)", lease: lease, leaseDuration: .seconds(60)) }
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for elector in electors { group.addTask { try await elector.tryAcquireOrRenew() } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        let holder = try Self.spec(server, lease: lease)["holderIdentity"] as? String ?? ""
        var leaders: [String] = []
        for elector in electors where await elector.isLeader { leaders.append(elector.configuration.identity) }
        #expect(leaders == [holder])
    }

    @Test func aStaleResourceVersionIsAConflict() async throws {
        let server = try await FakeKubeAPIServer.start()
        let client = KubeClient(config: KubeConfig(server: server.url, credentials: .token(server.token)))
        let resource = KubeResource.leases(namespace: Self.namespace)
        let lease: JSONValue = ["metadata": ["name": "conflict"], "spec": ["holderIdentity": "a"]]
        let created = try await client.create(resource, object: lease)
        await #expect(throws: KubeError.self) { try await client.create(resource, object: lease) }
        var json = created.json.object ?? [:]
        json["spec"] = ["holderIdentity": "b"]
        let updated = try await client.replace(resource, name: "conflict", object: .object(json))
        #expect(updated.json["spec"]?["holderIdentity"]?.string == "b")
        json["spec"] = ["holderIdentity": "c"]
        var refusal: KubeStatus?
        do {
            try await client.replace(resource, name: "conflict", object: .object(json))
        } catch {
            if case .status(let status, _) = error { refusal = status }
        }
        #expect(refusal?.code == 409 && refusal?.reason == "Conflict")
    }

    @Test func theLeaderStepsDownWhenAnotherHoldsTheLease() async throws {
        let server = try await FakeKubeAPIServer.start()
        let elector = Self.elector(server, "leader", lease: "usurped")
        #expect(try await elector.tryAcquireOrRenew())
        let renewing = Task { await elector.renewUntilLost() }
        try await Task.sleep(for: .seconds(1))
        let usurper = LeaseRecord(holderIdentity: "usurper", leaseDurationSeconds: 600, acquireTime: Date(), renewTime: Date(), leaseTransitions: 9)
        try server.setLease(namespace: Self.namespace, name: "usurped", spec: Self.dictionary(usurper.spec))
        try await Self.within(.seconds(60), "the leader steps down") { await renewing.value }
        #expect(await !elector.isLeader)
    }

    @Test func theLeaderStepsDownWhenItCannotRenew() async throws {
        let server = try await FakeKubeAPIServer.start()
        let elector = Self.elector(server, "leader", lease: "outage")
        #expect(try await elector.tryAcquireOrRenew())
        try server.setOutage(true)
        try await Self.within(.seconds(60), "the leader steps down") { await elector.renewUntilLost() }
        #expect(await !elector.isLeader)
        try server.setOutage(false)
    }

    /// A JSON value as Foundation objects (for the fake server's control commands).
    static func dictionary(_ value: JSONValue) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(value.encoded())) as? [String: Any] ?? [:]
    }
}
