/// A server could not listen on its address (taken, not local, no permission): the component
/// stops at once with this error, which names the address.
public struct ListenError: Error, CustomStringConvertible, Sendable {
    /// `host:port` as asked for.
    public let address: String
    /// What the socket layer said.
    public let cause: String

    /// The error for `address`, caused by `cause`.
    public init(address: String, cause: any Error) {
        self.address = address
        self.cause = "\(cause)"
    }

    public var description: String { "cannot listen on \(address): \(cause)" }
}
