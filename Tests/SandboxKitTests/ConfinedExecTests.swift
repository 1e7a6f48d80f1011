import AeolusTesting
import Foundation
@testable import SandboxKit
import Testing

/// The trampoline's command line, the rights per ABI, and real confinement through the `aeolus`
/// binary on this kernel.
@Suite struct ConfinedExecTests {
    @Test func commandLineRoundTrips() throws {
        let policy = FileAccessPolicy([.init("/usr/include", .read), .init("/usr/lib", .readExecute),
                                       .init("/tmp/work dir", .readWrite)])
        let arguments = ConfinedExec.arguments(policy: policy, executable: "/bin/cat", arguments: ["--", "-x"])
        #expect(arguments == ["__confined-exec", "--read", "/usr/include", "--read-exec", "/usr/lib",
                              "--read-write", "/tmp/work dir", "--", "/bin/cat", "--", "-x"])
        let parsed = try #require(ConfinedExec.parse(arguments))
        #expect(parsed.policy == policy)
        #expect(parsed.executable == "/bin/cat")
        #expect(parsed.arguments == ["--", "-x"])
    }

    @Test(arguments: [
        ["__confined-exec"], ["__confined-exec", "--"], ["__confined-exec", "--write", "/x", "--", "/bin/true"],
        ["__confined-exec", "--read"], ["other", "--", "/bin/true"],
    ])
    func malformedCommandLinesAreRefused(arguments: [String]) {
        #expect(ConfinedExec.parse(arguments) == nil)
    }

    /// Each ABI handles only the rights it knows: a kernel refuses a ruleset naming others.
    @Test(arguments: [
        (1, UInt64(0x1FFF), UInt64(0), UInt64(0)),
        (2, 0x3FFF, 0, 0),
        (3, 0x7FFF, 0, 0),
        (4, 0x7FFF, 0x3, 0),
        (5, 0xFFFF, 0x3, 0),
        (6, 0xFFFF, 0x3, 0x3),
        (7, 0xFFFF, 0x3, 0x3),
    ])
    func rightsFollowTheABI(abi: Int, fileSystem: UInt64, network: UInt64, scoped: UInt64) {
        let rights = Landlock.Rights(abi: abi)
        #expect(rights.handledFileSystem == fileSystem)
        #expect(rights.handledNetwork == network)
        #expect(rights.scoped == scoped)
        // A rule on a file names file rights only (EXECUTE, WRITE_FILE, READ_FILE, TRUNCATE, IOCTL_DEV).
        #expect(rights.allowed(.readWrite, directory: false) & ~UInt64(0xC007) == 0)
        #expect(rights.allowed(.read, directory: true) == 0xC)
        #expect(rights.allowed(.readExecute, directory: false) == 0x5)
    }

    @Test func thisKernelOffersLandlock() throws {
        #expect(try Landlock.abiVersion() >= 1)
    }

    /// A confined `cat` reads inside its folder, and neither outside it nor through a symbolic
    /// link inside it that points outside (Landlock checks the file a path resolves to).
    @Test func confinedProgramReadsOnlyWhatThePolicyAllows() throws {
        let allowed = try TemporaryDirectory(prefix: "aeolus-sandbox-in")
        let outside = try TemporaryDirectory(prefix: "aeolus-sandbox-out")
        let secret = "AEOLUS-SECRET-\(UUID().uuidString)"
        try secret.write(toFile: outside.path("secret"), atomically: true, encoding: .utf8)
        try "fine".write(toFile: allowed.path("inside"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: allowed.path("link"), withDestinationPath: outside.path("secret"))
        let policy = FileAccessPolicy([.init("/usr", .readExecute), .init("/lib", .readExecute),
                                       .init("/lib64", .readExecute), .init("/etc/ld.so.cache", .read),
                                       .init("/bin", .readExecute), .init(allowed.path, .read)])
        func cat(_ path: String) throws -> Subprocess.Output {
            try Subprocess.collect(AeolusBinary.path, ConfinedExec.arguments(policy: policy, executable: "/bin/cat",
                                                                               arguments: [path]))
        }
        let inside = try cat(allowed.path("inside"))
        #expect(inside.status == 0, "\(inside.standardError)")
        #expect(inside.standardOutput == "fine")
        for path in [outside.path("secret"), allowed.path("link"), allowed.path("../\(URL(fileURLWithPath: outside.path).lastPathComponent)/secret")] {
            let refused = try cat(path)
            #expect(refused.status != 0)
            #expect(refused.standardError.contains("Permission denied"), "\(refused.standardError)")
            #expect(!(refused.standardOutput + refused.standardError).contains(secret))
        }
        // Unconfined, the same `cat` reads it: the test sees a leak when there is one.
        let unconfined = try Subprocess.collect("/bin/cat", [allowed.path("link")])
        #expect(unconfined.standardOutput == secret)
    }

    @Test func aFailureToConfineExitsWithTheTrampolineStatus() throws {
        let output = try Subprocess.collect(AeolusBinary.path, ["__confined-exec", "--read", "/usr", "--", "/nonexistent/program"])
        #expect(output.status == ConfinedExec.failureStatus)
        #expect(output.standardError.hasPrefix(ConfinedExec.errorPrefix))
        #expect(output.standardError.contains("/nonexistent/program"))
    }
}
