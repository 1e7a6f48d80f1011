import AeolusModel
import Collector
import CommitVerification
import Dictator
import Foundation
import RemoteWrite
import Snappy

/// The inputs Aeolus takes from outside, each a function that must accept any bytes without
/// crashing, hanging or growing without bound: errors are answers, traps are bugs. The libFuzzer
/// binary `aeolus-fuzz` (built by `make fuzz`) drives one target per run; `FuzzTests` replay every
/// committed input (seeds and every crash found so far) through the same functions in `make test`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The event receiver's body: snappy, then a remote write 1.0 `WriteRequest`.
    case remoteWrite = "remote-write"
    /// The same for a remote write 2.0 `Request` (symbols table).
    case remoteWriteV2 = "remote-write-v2"
    /// A snappy block on its own.
    case snappy
    /// `templates/<name>/template.yaml`.
    case template
    /// `graph.yaml`.
    case graph
    /// `policies/*.yaml` (several documents).
    case policy
    /// `aeolus.yaml`.
    case settings
    /// The collector's configuration.
    case collectorConfig = "collector-config"
    /// The agent protocol: a registration and a state report as the dictator reads them, and an
    /// assignment watch stream (newline-delimited JSON) as the agent reads it.
    case agentProtocol = "agent-protocol"
    /// A forge's push webhook: its signature header checked, then its payload parsed.
    case webhook
    /// A signed commit as `--verify-signatures` reads it: a trusted-keys file (up to the first
    /// blank line), then the commit's armoured SSH signature, checked over a fixed commit text;
    /// and the bytes as a raw SSHSIG blob.
    case commitSignature = "commit-signature"

    /// Feeds `bytes` to the target's decoder (and re-encodes what decodes, where a round trip
    /// must hold).
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .remoteWrite:
            if let request = try? RemoteWrite.decode(bytes) {
                // What decoded encodes again and decodes to the same request.
                if let again = try? RemoteWrite.encode(request) {
                    precondition((try? RemoteWrite.decode(again)) == request, "remote write round trip")
                }
            }
        case .remoteWriteV2:
            _ = try? RemoteWrite.decode(bytes, as: .v2)
        case .snappy:
            if let plain = try? Snappy.uncompress(bytes, maxLength: 1 << 20) {
                precondition((try? Snappy.uncompress(Snappy.compress(plain), maxLength: 1 << 20)) == plain, "snappy round trip")
            }
        case .template:
            _ = Template.decode(yaml: Data(bytes), file: "templates/fuzz/template.yaml")
        case .graph:
            _ = TemplateGraph.decode(yaml: Data(bytes), file: "graph.yaml")
        case .policy:
            _ = ProbePolicy.decodeAll(yaml: Data(bytes), file: "policies/fuzz.yaml")
        case .settings:
            _ = RepoSettings.decode(yaml: Data(bytes), file: "aeolus.yaml")
        case .collectorConfig:
            _ = try? CollectorConfig.parse(yaml: String(decoding: bytes, as: UTF8.self), file: "collector.yaml")
        case .agentProtocol:
            let decoder = NodeProbeState.makeDecoder()
            _ = try? decoder.decode(AgentRegistration.self, from: Data(bytes))
            _ = try? NodeProbeState.decode(Data(bytes))
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                _ = try? decoder.decode(NodeAssignment.self, from: Data(line))
            }
        case .webhook:
            // The first line plays the signature header, the rest the body.
            let parts = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false)
            let header = parts.first.map { String(decoding: $0, as: UTF8.self) }
            let body = parts.count > 1 ? Array(parts[1]) : []
            _ = WebhookVerifier(secret: "fuzz").verify(body: body) { $0 == "X-Hub-Signature-256" ? header : nil }
            _ = PushEvent.parse(body)?.concerns(branch: "main")
        case .commitSignature:
            _ = try? SSHSignature(blob: bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            let parts = text.components(separatedBy: "\n\n")
            let keys = TrustedKeys(parsing: parts[0], file: "trusted-keys")
            let signature = parts.dropFirst().joined(separator: "\n\n")
            _ = CommitVerifier(trustedKeys: keys).verify(signature: signature, signedData: Self.signedCommit,
                                                         committerTime: Date(timeIntervalSince1970: 1_800_000_000))
        }
    }

    /// The commit text the `commit-signature` seed's signature signs.
    public static let signedCommit = Array(("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
        + "author A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nsigned message\n").utf8)
}
