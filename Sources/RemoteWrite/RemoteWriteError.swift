/// Why a remote-write body was refused. Every code but `tooLarge` maps to HTTP 400 (a correct
/// sender never retries it); `tooLarge` maps to 413.
public struct RemoteWriteError: Error, Equatable, CustomStringConvertible {
    /// The class of failure.
    public enum Code: Sendable, Equatable {
        case tooLarge, badSnappy, badProtobuf, badLabels
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
    public var httpStatus: Int { code == .tooLarge ? 413 : 400 }

    public var description: String { "remote write: \(message)" }
}
