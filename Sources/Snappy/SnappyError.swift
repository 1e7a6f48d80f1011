import CSnappy

/// Why a snappy block could not be decompressed: what went wrong, the snappy call that said so and
/// its status.
public struct SnappyError: Error, Equatable, CustomStringConvertible {
    /// The kind of failure, for callers that react differently (e.g. HTTP 400 vs 413).
    public enum Code: Sendable, Equatable {
        /// The leading varint (the uncompressed length) is missing, truncated or overlong.
        case badLengthHeader
        /// The declared uncompressed length exceeds the caller's limit.
        case tooLarge
        /// The block body is malformed.
        case corrupt
    }

    /// The kind of failure.
    public let code: Code
    /// The snappy C function that reported the failure.
    public let call: String
    /// snappy's status code (`SNAPPY_INVALID_INPUT` = 1, `SNAPPY_BUFFER_TOO_SMALL` = 2), nil when
    /// the check was ours.
    public let status: Int?
    /// What went wrong, for a person.
    public let message: String

    init(_ code: Code, call: String, status: snappy_status?, message: String) {
        self.code = code
        self.call = call
        self.status = status.map { Int($0.rawValue) }
        self.message = message
    }

    /// The error as one line for logs and users.
    public var description: String {
        "snappy: \(message) (\(call)\(status.map { " status \($0)" } ?? ""))"
    }
}
