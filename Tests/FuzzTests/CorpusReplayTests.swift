import AeolusModel
import CommitVerification
import Foundation
import FuzzTargets
import RemoteWrite
import Testing

/// Every committed fuzz input — the seeds and each crash `make fuzz` ever found — replayed through
/// its target: none may trap. A crash input goes into `Corpus/<target>/` as `crash-<what>` with
/// the fix, and stays there as this regression test.
struct CorpusReplayTests {
    static let corpus = Bundle.module.resourceURL!.appendingPathComponent("Corpus")

    static func inputs(_ target: FuzzTarget) -> [URL] {
        let folder = corpus.appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases) func everyInputReplays(_ target: FuzzTarget) throws {
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "no seed for \(target.rawValue)")
        for input in inputs { target.run([UInt8](try Data(contentsOf: input))) }
    }

    /// The seeds are real inputs: they decode, so the fuzzer starts from the valid shapes.
    @Test func seedsDecode() throws {
        let v1 = try RemoteWrite.decode([UInt8](try Data(contentsOf: Self.inputs(.remoteWrite)[0])))
        #expect(v1.timeseries.count == 2)
        let v2 = try RemoteWrite.decode([UInt8](try Data(contentsOf: Self.inputs(.remoteWriteV2)[0])), as: .v2)
        #expect(v2.samples == 1)
        for input in Self.inputs(.template) {
            #expect(Template.decode(yaml: try Data(contentsOf: input), file: input.lastPathComponent).value != nil, "\(input)")
        }
        let watch = try Data(contentsOf: Self.inputs(.agentProtocol).first { $0.pathExtension == "ndjson" }!)
        let lines = watch.split(separator: UInt8(ascii: "\n"))
        #expect(try lines.map { try NodeProbeState.makeDecoder().decode(NodeAssignment.self, from: Data($0)).revision } == [3, 4])
        // The signed-commit seed verifies: the fuzzer starts from a trusted key and a good signature.
        let parts = try String(contentsOf: Self.inputs(.commitSignature)[0], encoding: .utf8).components(separatedBy: "\n\n")
        let verdict = CommitVerifier(trustedKeys: TrustedKeys(parsing: parts[0], file: "seed"))
            .verify(signature: parts[1], signedData: FuzzTarget.signedCommit, committerTime: Date(timeIntervalSince1970: 1_800_000_000))
        #expect((try? verdict.get()) != nil, "\(verdict)")
    }
}
