import AeolusModel
@testable import Dictator
import Foundation
import Testing

/// A refused revision in the state: the live revision and its probes stay, the status and the
/// metrics say why, and the next applied revision clears it.
@Suite struct RevisionRefusalTests {
    @Test func aRefusalKeepsWhatIsLiveAndIsShownUntilTheNextRevisionApplies() async {
        let state = DictatorState(branch: "main")
        await state.apply(Sample.outcome(revision: "r1", templates: [Sample.object("a")], policies: [Sample.policy("p", template: "a")]))
        await state.refuse(RevisionRefusal(revision: "0123456789abcdef", reason: "unsigned", detail: "head commit is not signed"))

        let refused = await state.status().summary
        #expect(refused.revision == "r1")
        #expect(refused.refused?.message == "revision 0123456 not applied: head commit is not signed")
        #expect(await state.refusedRevision == "0123456789abcdef")
        #expect(await state.desiredState.probes.count == 1)
        #expect(await state.prometheusText().contains("aeolus_dictator_revisions_refused_total{reason=\"unsigned\"} 1\n"))
        #expect(await state.takeChanges().contains("revision 0123456 not applied: head commit is not signed"))
        #expect(StatusPage.render(await state.status(), templates: [:]).contains("revision 0123456 not applied"))

        var next = Sample.outcome(revision: "r2", templates: [Sample.object("a")], policies: [])
        next.signer = "release@x SHA256:abc (ssh-ed25519)"
        await state.apply(next)
        let applied = await state.status().summary
        #expect(applied.revision == "r2" && applied.refused == nil)
        #expect(applied.signedBy == "release@x SHA256:abc (ssh-ed25519)")
    }
}
