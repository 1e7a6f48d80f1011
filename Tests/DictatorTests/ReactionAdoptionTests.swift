import AeolusModel
@testable import Dictator
import Foundation
import Testing

/// A dictator that stops after deploying a follow-up probe and before committing its reaction
/// takes the reaction back from the agent that runs it: the assignment carries the reaction,
/// the agent echoes it, and the next registration hands it back.
struct ReactionAdoptionTests {
    static let registration = AgentRegistration(node: "n1", kernelVersion: "6.18", hooks: [.tracepoint])

    static func reaction(_ id: String, expires: Date) -> Reaction {
        Reaction(id: id, edge: "t-to-t", from: "t", template: "t",
                 trigger: .init(metric: "aeolus_t_total", labels: ["node": "n1", "port": "80"], value: 3,
                                condition: "rate over 5s above 0.5", time: Date(timeIntervalSince1970: 1_800_000_000)),
                 parameters: ["port": "80"], nodes: ["n1"], started: Date(timeIntervalSince1970: 1_800_000_000),
                 expires: expires, outcome: .active)
    }

    /// What an agent running `assignment` reports back at registration.
    static func running(_ assignment: NodeAssignment) -> [ProbeState] {
        assignment.probes.map { ProbeState(id: $0.id, template: $0.template, digest: $0.digest, state: .live,
                                           parameters: $0.parameters, annotations: $0.annotations) }
    }

    @Test func theAnnotationCarriesTheReaction() throws {
        let reaction = Self.reaction("20270115-080000-0000abcd", expires: Date(timeIntervalSince1970: 1_800_000_300))
        let decoded = try #require(Reaction(annotation: reaction.annotationValue))
        #expect(decoded == reaction)
        #expect(Reaction(annotation: "{not json") == nil)
    }

    @Test func aRestartedDictatorTakesBackAReactionItHadNotWritten() async throws {
        let outcome = Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: [Sample.policy("a", template: "t")])
        let reaction = Self.reaction("20270115-080000-0000abcd", expires: Date().addingTimeInterval(600))

        // The first run deploys the follow-up and stops before writing it down.
        let first = DictatorState(branch: "main")
        await first.apply(outcome)
        await first.restoreReactions([reaction])
        let assigned = await first.register(Self.registration)
        let probe = try #require(assigned.probes.first { $0.id == reaction.probeID })
        #expect(probe.annotations?[Reaction.annotation] != nil, "the follow-up's assignment carries its reaction")

        // The next run knows nothing of it until the agent registers with what it runs.
        let second = DictatorState(branch: "main")
        await second.apply(outcome)
        var registration = Self.registration
        registration.probes = Self.running(assigned)
        let reassigned = await second.register(registration)
        #expect(reassigned.probes.map(\.id) == assigned.probes.map(\.id), "the follow-up stays on the node")
        #expect(await second.unwrittenReactions().map(\.id) == [reaction.id], "and its reaction is written down")
        #expect(await second.status().nodes.first?.probes.isEmpty == false, "the registration counts as a first report")
    }

    @Test func anEndedOrForeignReactionIsNotTakenBack() async throws {
        let outcome = Sample.outcome(revision: "r1", templates: [Sample.object("t")], policies: [])
        let ended = Self.reaction("20270115-080000-0000abcd", expires: Date().addingTimeInterval(600))
        var expired = ended
        expired.outcome = .expired
        expired.ended = Date()
        let state = DictatorState(branch: "main")
        await state.apply(outcome)
        await state.restoreReactions([expired])
        var registration = Self.registration
        registration.probes = [
            ProbeState(id: ended.probeID, template: "t", state: .live, annotations: [Reaction.annotation: ended.annotationValue]),
            ProbeState(id: "reaction/other", template: "t", state: .live, annotations: [Reaction.annotation: ended.annotationValue]),
            ProbeState(id: "reaction/garbage", template: "t", state: .live, annotations: [Reaction.annotation: "{"]),
        ]
        let assignment = await state.register(registration)
        #expect(assignment.probes.isEmpty, "an ended reaction stays ended; an annotation naming another probe is ignored")
        #expect(await state.unwrittenReactions().isEmpty)
    }
}
