import Foundation

/// A fresh, uniquely named directory under the system temp folder, removed with everything in
/// it on `remove()` or when the object goes away. Tests running in parallel each get their own.
public final class TemporaryDirectory: Sendable {
    /// Absolute path of the directory.
    public let path: String

    /// Creates the directory, named `<prefix>.XXXXXX` (random suffix).
    public init(prefix: String = "aeolus-test") throws {
        let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix).XXXXXX")
        var template = Array(base.utf8CString)
        guard let created = mkdtemp(&template) else {
            throw TemporaryDirectoryError(message: "mkdtemp(\(base)) failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: created)
    }

    deinit {
        remove()
    }

    /// `path/relative`, for files and folders inside the directory.
    public func path(_ relative: String) -> String {
        (path as NSString).appendingPathComponent(relative)
    }

    /// A `file://` URL for `relative` inside the directory (the directory itself for "").
    public func fileURL(_ relative: String = "") -> String {
        URL(fileURLWithPath: relative.isEmpty ? path : path(relative)).absoluteString
    }

    /// Removes the directory and its contents; removing twice is harmless.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The temp directory could not be created.
public struct TemporaryDirectoryError: Error, CustomStringConvertible {
    /// What failed and why.
    public var message: String
    public var description: String { message }
}
