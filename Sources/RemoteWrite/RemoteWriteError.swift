/// Why a remote-write body was refused. `tooLarge` maps to HTTP 413, `unsupported` (a
/// Content-Type this receiver does not read) to 415, every other code to 400 (a correct sender
/// never retries those).
public struct RemoteWriteError: Error, Equatable, CustomStringConvertible {
    /// The class of failure.
    public enum Code: Sendable, Equatable {
        case tooLarge, unsupported, badSnappy, badProtobuf, badLabels
    }

    /// The class of failure.
    public let code: Code
    /// What was wrong, for the sender's log.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The HTTP status a receiver answers with.
    public var httpStatus: Int {
        switch code {
        case .tooLarge: 413
        case .unsupported: 415
        default: 400
        }
    }

    public var description: String { "remote write: \(message)" }
}
