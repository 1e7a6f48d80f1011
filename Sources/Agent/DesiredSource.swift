import AeolusModel
import Synchronization

/// Where the agent learns what should run on its node: each element is the node's whole
/// desired set at a revision. The standalone `AssignmentFile` is one; the dictator's watch
/// (agent protocol) is another.
public protocol DesiredSource: Sendable {
    /// The node's assignments, newest last; the sequence ends when the source stops.
    func assignments() -> AsyncThrowingStream<NodeAssignment, Error>
}

/// A desired source fed by code: `send(_:)` delivers an assignment to the running agent.
/// For embedding the agent, tests and benchmarks. Serves one agent (one `assignments()` call).
public final class DesiredChannel: DesiredSource {
    private let stream: AsyncThrowingStream<NodeAssignment, Error>
    private let continuation: AsyncThrowingStream<NodeAssignment, Error>.Continuation

    /// Creates a channel with nothing sent yet.
    public init() {
        (stream, continuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .bufferingNewest(16))
    }

    /// Delivers `assignment`.
    public func send(_ assignment: NodeAssignment) { continuation.yield(assignment) }

    /// Ends the stream.
    public func finish() { continuation.finish() }

    public func assignments() -> AsyncThrowingStream<NodeAssignment, Error> { stream }
}
