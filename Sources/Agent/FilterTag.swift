/// How an agent marks the tc filters it creates, so that a restarted agent finds every one of
/// them, recorded or not (a SIGKILL between a tc attach and the write of its record leaves a
/// filter no record names; tc filters hold no fd and outlive the process).
///
/// The mark is the filter's handle: `0xAE` in the top byte (the kernel's own cls_bpf handles,
/// picked when none is given, stay below `0x80000000`), then one byte of the node's name hash (two
/// agents sharing a machine leave each other's filters alone), then two bytes of the probe
/// version and attach point (what `tc filter show` tells apart). The priority stays the kernel's
/// choice: every filter gets a priority of its own, so handles never collide.
public struct FilterTag: Sendable, Hashable {
    /// The handle bits every filter of this node carries: `0xAE` and the node byte.
    public let prefix: UInt32

    /// The tag of node `node`'s agent.
    public init(node: String) {
        prefix = 0xAE00_0000 | (Self.hash(node) & 0xFF) << 16
    }

    /// The handle of the filter attaching version `generation` of probe `probe` at `point`.
    public func handle(probe: String, generation: String, point: AttachPoint) -> UInt32 {
        prefix | Self.hash("\(probe)|\(generation)|\(point.program)|\(point.hook.rawValue)|\(point.target)|\(point.netns ?? "")") & 0xFFFF
    }

    /// Whether a filter with `handle` was made by this node's agent.
    public func marks(_ handle: UInt32) -> Bool { handle & 0xFFFF_0000 == prefix }

    private static func hash(_ text: String) -> UInt32 { UInt32(AgentPaths.shortHash(text), radix: 16) ?? 0 }
}
