import Foundation
import Testing

/// Gatekeeping for tests that need the kernel (BPF syscall, network namespaces, bpffs).
///
/// Not root: the test is cancelled (reported as skipped) with the reason. With `CI=true` it is
/// never skipped: a CI run that cannot reach the kernel must fail, not pass quietly.
public enum KernelTest {
    /// True when this process runs as root.
    public static var isRoot: Bool { geteuid() == 0 }

    /// True when the environment says this is a CI run.
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"].map { $0 == "true" || $0 == "1" } ?? false
    }

    /// Call first in every kernel test.
    public static func requireRoot(sourceLocation: SourceLocation = #_sourceLocation) throws {
        if isRoot { return }
        if isCI {
            Issue.record("kernel test needs root, and CI=true forbids skipping", sourceLocation: sourceLocation)
            throw KernelTestError.notRoot
        }
        try Test.cancel("needs root (BPF syscall, network namespaces); run as root or set CI=true to fail instead", sourceLocation: sourceLocation)
    }
}

/// Why a kernel test could not run.
public enum KernelTestError: Error {
    case notRoot
}
