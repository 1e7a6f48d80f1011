/// How much the dictator remembers of things that come and go by the million (event series,
/// cooldowns, ended reactions, nodes): each is bounded, and at a bound the least recently seen
/// entry gives way to the new one. Idle entries are forgotten on the housekeeping tick.
public struct DictatorBounds: Sendable, Hashable {
    /// Most (edge, series) pairs whose triggers are evaluated at once (`--max-event-series`).
    public var maxEventSeries = 100_000
    /// A series without a sample for this long is forgotten (`--event-series-idle`).
    public var eventSeriesIdle: Duration = .seconds(600)
    /// Most deploy times remembered for cooldowns (one per edge and bound parameters).
    public var maxCooldowns = 100_000
    /// Most ended reactions waiting to be written to the status branch.
    public var maxUnwrittenReactions = 10_000
    /// A node lost for this long is forgotten: its registration, assignment and status
    /// (`--forget-nodes-after`; nil keeps nodes for ever).
    public var forgetNodesAfter: Duration? = .seconds(24 * 3600)

    /// The defaults.
    public init() {}
}
