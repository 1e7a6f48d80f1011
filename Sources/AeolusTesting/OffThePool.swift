import ProcessKit

/// Runs blocking fixture work (a command, a compile, process start-up, waiting for a port) on a
/// new thread and suspends until it is done. Swift's cooperative pool has one thread per core (two
/// on a CI machine): a test that blocks one of them for seconds stalls every other test of the run.
/// Issues (`#expect`) belong on the test's task: return what to check, check it after.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await DedicatedThread.run("AeolusTesting fixture", body)
}
