import Foundation

/// One change to a path in a commit written by `Repository.commit(onto:changes:message:author:)`.
public enum FileChange: Sendable, Equatable {
    /// Write these bytes to the path (a regular file; an existing file keeps its mode).
    case write(Data)
    /// Remove the path: a file, or a directory with everything under it. Absent paths are ignored.
    case delete

    /// Writes a UTF-8 string.
    public static func write(_ text: String) -> FileChange { .write(Data(text.utf8)) }
}
