import Foundation

/// A file or folder a component needs at start (a token, a secret, its workdir or state
/// directory) cannot be read or made: the component stops at once with this error, which names
/// the path and what it is for.
public struct FileAccessError: Error, CustomStringConvertible, Sendable {
    /// What the path is for (`token file`, `workdir`, ...).
    public let purpose: String
    /// The path.
    public let path: String
    /// What the system said.
    public let cause: String

    /// The error for `path`, needed as `purpose`, caused by `cause`.
    public init(purpose: String, path: String, cause: any Error) {
        self.purpose = purpose
        self.path = path
        let system = cause as NSError
        // Foundation's errors read well only as their localized description.
        self.cause = [NSCocoaErrorDomain, NSPOSIXErrorDomain].contains(system.domain) ? system.localizedDescription : "\(cause)"
    }

    public var description: String { "cannot read or create \(purpose) \(path): \(cause)" }
}
