import AeolusModel
import Foundation
import Testing
@testable import ReactionEngine

@Suite struct ReactionPlannerTests {
    static let followUp = Template(name: "flow", programs: [TemplateProgram(name: "p", hook: .tracepoint, target: "tcp/tcp_probe")],
                                   parameters: [ParameterSpec(name: "daddr", type: .ipv4), ParameterSpec(name: "dport", type: .port)])
    static let templates = ["flow": followUp]
    static let nodes = [ReactionPlanner.Node(name: "n1", labels: ["zone": "a"]), ReactionPlanner.Node(name: "n2", labels: ["zone": "b"])]
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func edge(on: Placement = .eventNode, maxActive: Int = 10, cooldown: TimeSpan = .minutes(1), clear: Bool = false) throws -> Edge {
        var edge = Edge(from: "retrans", when: Trigger(metric: "m", above: 1), deploy: "flow",
                        with: ["daddr": try Binding("{labels.daddr}"), "dport": try Binding("{labels.dport}")],
                        on: on, ttl: .minutes(2), cooldown: cooldown, maxActive: maxActive, clearOnResolve: clear)
        edge.name = "retrans-to-flow"
        return edge
    }

    static func firing(_ edge: Edge, daddr: String = "198.18.0.2", dport: String = "443", node: String? = "n1") -> TriggerEvaluator.Firing {
        var labels = ["daddr": daddr, "dport": dport]
        labels["node"] = node
        return TriggerEvaluator.Firing(edgeIndex: 0, edge: edge, labels: labels, value: 9, time: t0.timeIntervalSince1970)
    }

    /// Deploy times for cooldowns (one per edge and bound parameters: per flow) are an LRU, and
    /// forgotten once older than the longest cooldown.
    @Test func cooldownMemoryIsBoundedAndExpires() throws {
        var planner = ReactionPlanner(maxCooldowns: 2)
        let edge = try Self.edge(cooldown: .minutes(1))
        for (index, port) in ["1", "2", "3"].enumerated() {
            let now = Self.t0.addingTimeInterval(Double(index))
            _ = planner.react(to: Self.firing(edge, dport: port), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: now)
        }
        #expect(planner.trackedCooldowns == 2)
        #expect(planner.evictedCooldowns == 1)
        #expect(planner.expireCooldowns(now: Self.t0.addingTimeInterval(61.5), olderThan: 60) == 1, "port 2's minute is over")
        #expect(planner.expireCooldowns(now: Self.t0.addingTimeInterval(120), olderThan: 60) == 1)
        #expect(planner.trackedCooldowns == 0)
    }

    @Test func bindsParametersAndTargetsTheEventNode() throws {
        var planner = ReactionPlanner()
        let reaction = try #require(planner.react(to: Self.firing(try Self.edge()), templates: Self.templates,
                                                  nodes: Self.nodes, limits: Limits(), now: Self.t0))
        #expect(reaction.outcome == .active)
        #expect(reaction.parameters == ["daddr": "198.18.0.2", "dport": "443"])
        #expect(reaction.nodes == ["n1"])
        #expect(reaction.expires == Self.t0.addingTimeInterval(120))
        #expect(reaction.id.hasPrefix("20270115-"))
        #expect(reaction.statusPath.hasPrefix("status/reactions/2027-01-15/"))
        #expect(reaction.probeID == "reaction/\(reaction.id)")
    }

    @Test(arguments: [
        ("not-an-ip", "443", "n1", "bad_parameters"),
        ("198.18.0.2", "70000", "n1", "bad_parameters"),
        ("198.18.0.2", "443", nil, "no_target"),
    ])
    func refusesWhatCannotBeBound(daddr: String, dport: String, node: String?, counter: String) throws {
        var planner = ReactionPlanner()
        let reaction = try #require(planner.react(to: Self.firing(try Self.edge(), daddr: daddr, dport: dport, node: node),
                                                  templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0))
        #expect(reaction.outcome == .refused)
        #expect(reaction.reason != nil)
        #expect(planner.refusals[counter] == 1)
        #expect(planner.active.isEmpty)
    }

    @Test func placementOnAllNodesAndSelectors() throws {
        var planner = ReactionPlanner()
        let all = planner.react(to: Self.firing(try Self.edge(on: .allNodes)), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0)
        #expect(all?.nodes == ["n1", "n2"])
        var other = ReactionPlanner()
        let zoned = other.react(to: Self.firing(try Self.edge(on: .selector(nodes: LabelSelector(matchLabels: ["zone": "b"])))),
                                templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0)
        #expect(zoned?.nodes == ["n2"])
    }

    @Test func dedupeCooldownAndExpiry() throws {
        var planner = ReactionPlanner()
        let edge = try Self.edge()
        let firstResult = planner.react(to: Self.firing(edge), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0)
        let first = try #require(firstResult)
        #expect(planner.react(to: Self.firing(edge), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0.addingTimeInterval(5)) == nil)
        #expect(planner.refusals["duplicate"] == 1)
        let expired = planner.expire(now: Self.t0.addingTimeInterval(121))
        #expect(expired.map(\.id) == [first.id])
        #expect(expired.first?.outcome == .expired)
        // Cooldown (1m) is over by now: the same binding deploys again.
        #expect(planner.react(to: Self.firing(edge), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0.addingTimeInterval(122))?.outcome == .active)
        var cooling = ReactionPlanner()
        let short = try Self.edge(cooldown: .minutes(5))
        let startedResult = cooling.react(to: Self.firing(short), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0)
        let started = try #require(startedResult)
        _ = cooling.end(started.id, outcome: .cleared, reason: nil, now: Self.t0.addingTimeInterval(10))
        #expect(cooling.react(to: Self.firing(short), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0.addingTimeInterval(60)) == nil)
        #expect(cooling.refusals["cooldown"] == 1)
    }

    @Test func limitsRefuseAStorm() throws {
        var planner = ReactionPlanner()
        let edge = try Self.edge(maxActive: 3)
        let outcomes = (0..<5).compactMap { i in
            planner.react(to: Self.firing(edge, dport: "\(1000 + i)"), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0)?.outcome
        }
        #expect(outcomes == [.active, .active, .active, .refused, .refused])
        #expect(planner.refusals["max_active"] == 2)

        var capped = ReactionPlanner()
        let limits = Limits(maxActiveReactions: 2, reactionsPerMinute: 100)
        let capOutcomes = (0..<3).compactMap { i in
            capped.react(to: Self.firing(try! Self.edge(), dport: "\(2000 + i)"), templates: Self.templates, nodes: Self.nodes, limits: limits, now: Self.t0)?.outcome
        }
        #expect(capOutcomes == [.active, .active, .refused])
        #expect(capped.refusals["global_cap"] == 1)

        var rated = ReactionPlanner()
        let rate = Limits(maxActiveReactions: 100, reactionsPerMinute: 2)
        let rateOutcomes = (0..<3).compactMap { i in
            rated.react(to: Self.firing(try! Self.edge(), dport: "\(3000 + i)"), templates: Self.templates, nodes: Self.nodes, limits: rate, now: Self.t0)?.outcome
        }
        #expect(rateOutcomes == [.active, .active, .refused])
        #expect(rated.refusals["rate_limit"] == 1)
        #expect(rated.react(to: Self.firing(try Self.edge(), dport: "4000"), templates: Self.templates, nodes: Self.nodes, limits: rate,
                            now: Self.t0.addingTimeInterval(61))?.outcome == .active)
    }

    @Test func clearOnResolveEndsTheReaction() throws {
        var planner = ReactionPlanner()
        let edge = try Self.edge(clear: true)
        let firing = Self.firing(edge)
        _ = planner.react(to: firing, templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0)
        let cleared = planner.clear(edge: edge, labels: firing.labels, now: Self.t0.addingTimeInterval(3))
        #expect(cleared.first?.outcome == .cleared)
        #expect(planner.active.isEmpty)
    }

    @Test func restoreKeepsLimitsAcrossARestart() throws {
        var before = ReactionPlanner()
        let edge = try Self.edge()
        let reactionResult = before.react(to: Self.firing(edge), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0)
        let reaction = try #require(reactionResult)
        var after = ReactionPlanner()
        after.restore([reaction])
        #expect(after.react(to: Self.firing(edge), templates: Self.templates, nodes: Self.nodes, limits: Limits(), now: Self.t0.addingTimeInterval(1)) == nil)
        #expect(after.expire(now: Self.t0.addingTimeInterval(200)).count == 1)
    }
}
