import AeolusModel
import Foundation

/// Where the applier gets a probe's object bytes: a local file in standalone mode; the
/// dictator's object endpoint (by digest) comes with the agent protocol.
public protocol ObjectSource: Sendable {
    /// The ELF bytes of `probe`'s object, checked against its digest.
    func object(for probe: ProbeAssignment) throws -> [UInt8]
}

/// Reads `objectPath` and checks it against the assignment's `sha256:` digest.
public struct FileObjectSource: ObjectSource {
    /// Creates the source.
    public init() {}

    public func object(for probe: ProbeAssignment) throws -> [UInt8] {
        guard let path = probe.objectPath else {
            throw AgentError.objectUnavailable(probe: probe.id, reason: "no objectPath (fetching by digest needs --dictator)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AgentError.objectUnavailable(probe: probe.id, reason: "cannot read \(path)")
        }
        let bytes = [UInt8](data)
        if !probe.digest.isEmpty {
            let actual = AgentPaths.digest(of: bytes)
            guard actual == probe.digest else {
                throw AgentError.objectUnavailable(probe: probe.id, reason: "\(path) has digest \(actual), the assignment wants \(probe.digest)")
            }
        }
        return bytes
    }
}
