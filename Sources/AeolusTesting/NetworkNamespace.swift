import Foundation

/// A test "pod": a network namespace joined to this one by a veth pair, with addresses from
/// 198.18.0.0/15 (a /30 of its own) and both ends up.
///
/// Names and addresses are unique per fixture (process id + counter), so parallel tests do not
/// collide. `close()` (or deinit) deletes the veth pair, and with it any tc filters or XDP
/// programs on it, and the namespace.
///
/// `@unchecked Sendable`: immutable except `closed`, which is guarded by `lock`.
public final class NetworkNamespace: @unchecked Sendable {
    /// The namespace's name (`ip netns` name).
    public let name: String
    /// The namespace file, for `setns` (`/run/netns/NAME`).
    public let path: String
    /// The veth end in this (the root) namespace.
    public let hostInterface: String
    /// The veth end inside the namespace.
    public let interface: String
    /// The host end's IPv4 address.
    public let hostAddress: String
    /// The namespace end's IPv4 address.
    public let address: String

    private let lock = NSLock()
    private var closed = false

    private static let counter = Counter()
    static let ip = "/usr/sbin/ip"

    /// Creates the namespace, the veth pair and the addresses.
    public init() throws {
        let serial = Self.counter.next()
        let pid = Int(getpid())
        let tag = "\(pid % 100_000)x\(serial)"       // e.g. 12345x7: veth names stay <= 15 chars
        name = "aeolus-\(tag)"
        path = "/run/netns/\(name)"
        hostInterface = "ah\(tag)"
        interface = "an\(tag)"
        // 198.18.0.0/15 holds 32768 /30 blocks; spread processes apart, serials inside one.
        let block = (pid &* 67 &+ serial) % 32768
        let base = (198 << 24) | (18 << 16) | (block * 4)
        func dotted(_ value: Int) -> String { "\(value >> 24 & 255).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)" }
        hostAddress = dotted(base + 1)
        address = dotted(base + 2)

        do {
            try KernelFixtureCommand.check(Self.ip, ["netns", "add", name])
            try KernelFixtureCommand.check(Self.ip, ["link", "add", hostInterface, "type", "veth", "peer", "name", interface])
            try KernelFixtureCommand.check(Self.ip, ["link", "set", interface, "netns", name])
            try KernelFixtureCommand.check(Self.ip, ["addr", "add", "\(hostAddress)/30", "dev", hostInterface])
            try KernelFixtureCommand.check(Self.ip, ["link", "set", hostInterface, "up"])
            try exec([Self.ip, "addr", "add", "\(address)/30", "dev", interface])
            try exec([Self.ip, "link", "set", interface, "up"])
            try exec([Self.ip, "link", "set", "lo", "up"])
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Runs a command inside the namespace (`ip netns exec`; note it remounts /sys there).
    @discardableResult
    public func exec(_ command: [String]) throws -> String {
        try KernelFixtureCommand.check(Self.ip, ["netns", "exec", name] + command)
    }

    /// Deletes the veth pair (and what is attached to it) and the namespace (idempotent).
    public func close() {
        let first = lock.withLock { () -> Bool in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        _ = try? KernelFixtureCommand.run(Self.ip, ["link", "del", hostInterface])
        _ = try? KernelFixtureCommand.run(Self.ip, ["netns", "del", name])
    }

    /// True while the namespace file exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }
}

/// A process-wide counter for unique names.
///
/// `@unchecked Sendable`: guarded by `lock`.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}
