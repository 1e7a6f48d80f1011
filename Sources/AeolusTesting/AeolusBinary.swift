import Foundation

/// The `aeolus` executable built beside the test bundle, for end-to-end tests through the binary
/// exactly as users run it.
public enum AeolusBinary {
    /// Path of `aeolus` in the build folder the tests run from.
    public static var path: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        // The test bundle is `<bin>/AeolusPackageTests.xctest` (a file on Linux, a folder elsewhere).
        if directory.lastPathComponent.hasSuffix(".xctest") { directory = directory.deletingLastPathComponent() }
        return directory.appendingPathComponent("aeolus").path
    }

    /// Runs `aeolus` with `arguments` and collects its output and exit status (not thrown). Waits
    /// on a thread of its own: a test that runs a long command holds no thread of the pool.
    public static func run(_ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: String? = nil) async throws -> Subprocess.Output {
        try await Subprocess.collect(path, arguments, environment: environment, currentDirectory: currentDirectory)
    }

    /// The repository root, found from a source file's path inside `Tests/<Target>/`.
    public static func repositoryRoot(from filePath: String = #filePath) -> String {
        var url = URL(fileURLWithPath: filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }
}
