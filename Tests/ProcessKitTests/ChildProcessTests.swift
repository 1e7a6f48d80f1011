import Foundation
import ProcessKit
import Testing

/// The child-process layer against real children (`/bin/sh`, `sleep`, `cat`).
///
/// The whole suite runs beside tests that block Swift's (2-thread) pool for tens of seconds, so an
/// async wait may resume late: async timings are bounded loosely against children that would run
/// for minutes; the tight bounds are measured on blocking waits, which need no pool thread.
@Suite struct ChildProcessTests {
    @Test(arguments: [
        ("exit 0", TerminationStatus.exited(0)),
        ("exit 3", .exited(3)),
        ("kill -USR1 $$", .signalled(SIGUSR1)),
        ("kill -KILL $$", .signalled(SIGKILL)),
    ])
    func exitStatusAndSignals(script: String, expected: TerminationStatus) async throws {
        let child = try ChildProcess("/bin/sh", ["-c", script])
        #expect(try await child.wait() == expected)
        #expect(child.exitStatus == expected)
        #expect(!child.isRunning)
        #expect(!child.signal(SIGTERM), "a reaped child is never signalled")
    }

    @Test func terminateStopsAChildThatExitsOnSIGTERM() async throws {
        let child = try ChildProcess("/bin/sleep", ["300"])
        #expect(await child.terminate(grace: .seconds(120)) == .signalled(SIGTERM))
    }

    @Test func aChildThatIgnoresSIGTERMGetsSIGKILLAfterTheGrace() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"],
                                     standardOutput: .pipe, newProcessGroup: true)
        #expect(child.standardOutput!.readLine(timeout: .seconds(10)) == "ready")
        let start = ContinuousClock.now
        #expect(await child.terminate(grace: .milliseconds(300)) == .signalled(SIGKILL))
        #expect(ContinuousClock.now - start >= .milliseconds(300))
    }

    @Test func synchronousTerminateToo() throws {
        let child = try ChildProcess("/bin/sh", ["-c", "trap '' TERM; echo ready; exec sleep 300"], standardOutput: .pipe)
        #expect(child.standardOutput!.readLine(timeout: .seconds(10)) == "ready")
        let start = ContinuousClock.now
        #expect(child.terminateSynchronously(grace: .milliseconds(200)) == .signalled(SIGKILL))
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(30), "bounded, not hung (generous for a loaded machine)")
    }

    @Test func waitWithTimeoutReturnsOnTimeWhileTheChildRuns() async throws {
        let child = try ChildProcess("/bin/sleep", ["300"])
        defer { child.killSynchronously() }
        var start = ContinuousClock.now
        #expect(await child.wait(timeout: .milliseconds(200)) == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(200))
        #expect(child.isRunning)
        start = ContinuousClock.now
        #expect(child.waitSynchronously(timeout: .milliseconds(200)) == nil)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(30), "bounded, not hung (generous for a loaded machine)")
        #expect(child.isRunning)
    }

    @Test func cancellingAWaitLeavesTheChildRunning() async throws {
        let child = try ChildProcess("/bin/sleep", ["300"])
        defer { child.killSynchronously() }
        let waiter = Task { try await child.wait() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(child.isRunning)
    }

    /// Swift's pool threads block signals; a child spawned from such a thread still starts with
    /// nothing blocked or ignored, so SIGTERM reaches it.
    @Test func sigtermReachesAChildSpawnedFromAThreadThatBlocksSignals() async throws {
        let spawned = try await onThreadBlockingAllSignals { try ChildProcess("/bin/sleep", ["300"]) }
        let status = try String(contentsOfFile: "/proc/\(spawned.pid)/status", encoding: .utf8)
        func mask(_ name: String) -> UInt64? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { UInt64($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        #expect(mask("SigBlk") == 0)
        // Signals 1-31 at their defaults, SIGPIPE too (this process ignores it). glibc keeps its two
        // internal signals (32, 33) out of every sigset, so those dispositions pass through as they are.
        #expect(mask("SigIgn").map { $0 & 0x7FFF_FFFF } == 0)
        #expect(await spawned.terminate(grace: .seconds(120)) == .signalled(SIGTERM))
    }

    /// The child holds 0, 1 and 2 only, even while the parent has a pipe open that is not
    /// close-on-exec.
    @Test func noDescriptorLeaksIntoAChild() throws {
        var leaky: [Int32] = [-1, -1]
        #expect(pipe(&leaky) == 0)
        defer { close(leaky[0]); close(leaky[1]) }
        let other = try ChildProcess("/bin/cat", standardInput: .pipe, standardOutput: .pipe)
        defer { other.standardInput?.close(); other.waitSynchronously() }

        let child = try ChildProcess("/bin/sh", ["-c", "exec ls -1 /proc/self/fd"], standardOutput: .pipe, standardError: .null)
        let listed = String(decoding: child.standardOutput!.readToEnd(), as: UTF8.self).split(separator: "\n")
        #expect(child.waitSynchronously() == .exited(0))
        // ls itself opens the listed directory as 3.
        #expect(listed == ["0", "1", "2", "3"])

        let sleeper = try ChildProcess("/bin/sleep", ["300"], standardOutput: .pipe)
        defer { sleeper.killSynchronously() }
        // What the child holds beyond 0, 1 and 2. A child still starting up may hold a file of its
        // own for a moment (its locale archive); a pipe or socket there would be one of ours.
        let inherited = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(sleeper.pid)/fd")
            .filter { !["0", "1", "2"].contains($0) }
            .compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(sleeper.pid)/fd/\($0)") }
            .filter { $0.hasPrefix("pipe:") || $0.hasPrefix("socket:") }
        #expect(inherited.isEmpty)
    }

    /// The old hang: a pipe's write end inherited by a concurrently spawned long-lived child, so
    /// the reader never saw end of file. 50 short children read to the end while long-lived ones
    /// are spawned beside them.
    @Test func concurrentSpawnsWithPipesAllReachEndOfFile() async throws {
        let start = ContinuousClock.now
        let sleepers = try await withThrowingTaskGroup(of: ChildProcess.self) { group in
            for _ in 0..<10 {
                group.addTask { try ChildProcess("/bin/sleep", ["300"], standardInput: .pipe, standardOutput: .pipe) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<50 {
                group.addTask {
                    let child = try ChildProcess("/bin/sh", ["-c", "echo child \(index)"], standardOutput: .pipe, standardError: .pipe)
                    async let errors = child.standardError!.readToEnd()
                    let output = await child.standardOutput!.readToEnd()
                    _ = await errors
                    #expect(try await child.wait() == .exited(0))
                    return String(decoding: output, as: UTF8.self)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(outputs) == Set((0..<50).map { "child \($0)\n" }))
        // A leaked write end would hold a reader until its sleeper ends (300 s).
        #expect(ContinuousClock.now - start < .seconds(150))
        for sleeper in sleepers { await sleeper.kill() }
    }

    @Test func environmentAndWorkingDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-processkit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try Subprocess.run("/bin/sh", ["-c", "echo \"$GREETING\"; pwd; env | grep -c . "],
                                        environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"], currentDirectory: directory)
        let lines = output.standardOutput.split(separator: "\n")
        #expect(lines.first == "hello")
        #expect(lines.dropFirst().first.map(String.init) == directory)
        // sh adds PWD (and maybe SHLVL, _) to the two it was given.
        #expect((Int(lines.last ?? "") ?? 0) <= 5)

        let inherited = try Subprocess.run("/bin/sh", ["-c", "echo \"$HOME\""])
        #expect(inherited.standardOutput == (ProcessInfo.processInfo.environment["HOME"] ?? "") + "\n")
    }

    @Test func subprocessFeedsInputAndDrainsBothPipes() throws {
        // More than a pipe holds (64 KiB) on stderr and stdout both, and 1 MiB of input.
        let input = String(repeating: "abcdefghijklmnopqrstuvwxyz01234\n", count: 32 * 1024)
        let output = try Subprocess.run("/bin/sh", ["-c", "cat; head -c 200000 /dev/zero | tr '\\0' e >&2"], input: input)
        #expect(output.standardOutput == input)
        #expect(output.standardError.count == 200_000)

        let failed = try Subprocess.collect("/bin/sh", ["-c", "echo oops >&2; exit 7"])
        #expect(failed.status == 7)
        #expect(failed.standardError == "oops\n")
        #expect(throws: SubprocessError.self) { try Subprocess.run("/bin/sh", ["-c", "exit 1"]) }
    }

    @Test func linesArriveAsTheChildWritesThem() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "echo one; sleep 0.1; echo two; printf three"], standardOutput: .pipe)
        var lines: [String] = []
        for await line in child.standardOutput!.lines() { lines.append(line) }
        #expect(lines == ["one", "two", "three"])
        #expect(try await child.wait() == .exited(0))
    }

    @Test func readLineTimesOut() throws {
        let child = try ChildProcess("/bin/sh", ["-c", "echo first; exec sleep 300"], standardOutput: .pipe)
        defer { child.killSynchronously() }
        #expect(child.standardOutput!.readLine(timeout: .seconds(10)) == "first")
        let start = ContinuousClock.now
        #expect(child.standardOutput!.readLine(timeout: .milliseconds(200)) == nil)
        #expect(ContinuousClock.now - start < .seconds(30), "bounded, not hung (generous for a loaded machine)")
    }

    @Test func outputToAFileAppends() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aeolus-processkit-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for word in ["out", "err"] {
            let child = try ChildProcess("/bin/sh", ["-c", "echo \(word); echo \(word) >&2"],
                                         standardOutput: .file(path), standardError: .file(path))
            #expect(child.waitSynchronously() == .exited(0))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "out\nout\nerr\nerr\n")
    }

    @Test func aMissingExecutableIsAnErrorNamingTheCall() throws {
        let error = try #require(throws: ProcessError.self) { try ChildProcess("/nonexistent/aeolus-tool") }
        #expect(error.call == "posix_spawn" && error.code == ENOENT)
        #expect(throws: ProcessError.self) { try ChildProcess("/bin/true", currentDirectory: "/nonexistent") }
        let searched = try ChildProcess("true")
        #expect(searched.waitSynchronously() == .exited(0))
    }
}

/// Runs `body` on a new thread that blocks every signal (as Swift's pool threads block most).
private func onThreadBlockingAllSignals<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            continuation.resume(with: Result { try body() })
        }.start()
    }
}
