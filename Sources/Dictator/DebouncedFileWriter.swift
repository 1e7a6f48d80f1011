import Foundation
import Logging
import Synchronization

/// Writes the newest of a stream of values to a file at most once per `interval`, encoding and
/// writing on a thread of its own: a caller that changes the value thousands of times a second
/// (a registration storm) pays for a stored reference, not for an encoding of everything each
/// time. The file is replaced atomically (written beside it, then renamed). `flush()` writes
/// what is pending at once (graceful shutdown).
final class DebouncedFileWriter<Value: Sendable>: Sendable {
    private struct State {
        var pending: Value?
        var scheduled = false
    }

    /// The file written.
    let path: String
    private let interval: Duration
    private let encode: @Sendable (Value) throws -> Data
    private let logger: Logger
    private let state = Mutex(State())
    /// Serialises writes (a flush during a scheduled write).
    private let writing = Mutex(())

    init(path: String, interval: Duration = .seconds(1), logger: Logger, encode: @escaping @Sendable (Value) throws -> Data) {
        self.path = path
        self.interval = interval
        self.logger = logger
        self.encode = encode
    }

    /// Records `value` as the one to write; it is written within `interval`.
    func update(_ value: Value) {
        let schedule = state.withLock { state -> Bool in
            state.pending = value
            defer { state.scheduled = true }
            return !state.scheduled
        }
        guard schedule else { return }
        let interval = interval
        Task.detached { [self] in
            try? await Task.sleep(for: interval)
            _ = try? await OffPool.run("aeolus-persist") { self.flush() }
        }
    }

    /// Writes the pending value now (blocking), if there is one.
    func flush() {
        writing.withLock { _ in
            let value = state.withLock { state -> Value? in
                defer { state.pending = nil; state.scheduled = false }
                return state.pending
            }
            guard let value else { return }
            do {
                let data = try encode(value)
                let temporary = path + ".tmp"
                try data.write(to: URL(fileURLWithPath: temporary))
                guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
            } catch {
                logger.error("cannot write \(path)", metadata: ["error": "\(error)"])
            }
        }
    }
}
