import AeolusModel
@testable import Agent
import AeolusTesting
import Foundation
import Testing

/// The agent registers with what it runs (from its `probes.json`), trimmed to identity, state,
/// parameters and annotations, so a restarted dictator can take back reactions in flight.
struct DictatorRegistrationTests {
    @Test func registrationSaysWhatRuns() throws {
        let temp = try TemporaryDirectory(prefix: "aeolus-agent-registration")
        defer { temp.remove() }
        let client = DictatorClient(baseURL: "http://127.0.0.1:9", token: nil,
                                    registration: AgentRegistration(node: "n1", kernelVersion: "6.18", hooks: []))
        let source = DictatorDesiredSource(client: client, stateDirectory: temp.path, logger: .init(label: "test"))
        #expect(source.running() == nil, "nothing written yet: nothing said")

        let probe = ProbeState(id: "reaction/r1", template: "flow-latency", digest: "sha256:ab", state: .live,
                               parameters: ["sport": "47000"], attachments: [.init(hook: "tracepoint", target: "tcp/x")],
                               maps: ["m": "/sys/fs/bpf/x"], annotations: [Reaction.annotation: "{}"])
        try NodeProbeState(node: "n1", probes: [probe]).write(toDirectory: temp.path)
        let running = try #require(source.running())
        #expect(running == [ProbeState(id: "reaction/r1", template: "flow-latency", digest: "sha256:ab", state: .live,
                                       parameters: ["sport": "47000"], annotations: [Reaction.annotation: "{}"])])
    }
}
