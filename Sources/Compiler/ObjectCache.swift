import Foundation
import Synchronization

/// Compiled objects by cache key: in memory, and on disk when given a folder, so a restarted
/// dictator or a second `aeolus check` does not compile again.
///
/// Keys are content hashes (`CompileRequest.key`), so an entry never goes stale; files are written
/// to a temporary name and renamed, so a reader never sees half an object.
public final class ObjectCache: Sendable {
    private let directory: String?
    private let memory = Mutex<[String: [UInt8]]>([:])

    /// A cache kept in memory only (`directory == nil`) or also under `directory`.
    public init(directory: String? = nil) throws {
        self.directory = directory
        if let directory {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    /// The object stored under `key`, if any.
    public func object(forKey key: String) -> [UInt8]? {
        if let hit = memory.withLock({ $0[key] }) { return hit }
        guard let path = path(for: key), let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        memory.withLock { $0[key] = bytes }
        return bytes
    }

    /// Stores `elf` under `key`.
    public func store(_ elf: [UInt8], forKey key: String) throws {
        memory.withLock { $0[key] = elf }
        guard let path = path(for: key) else { return }
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(elf)) else {
            throw CompileError.io("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            throw CompileError.io("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func path(for key: String) -> String? {
        directory.map { "\($0)/\(key).o" }
    }
}
