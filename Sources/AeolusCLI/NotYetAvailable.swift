import ArgumentParser

/// A role or tool whose implementation has not landed yet. It says so and exits 2, so that no
/// script mistakes it for a working command.
protocol NotYetAvailable: AsyncParsableCommand {}

extension NotYetAvailable {
    func run() async throws {
        let name = Self.configuration.commandName ?? "this command"
        FileHandleStandardError.write("aeolus \(name): not yet available in this build\n")
        throw ExitCode(2)
    }
}

struct DemoCommand: NotYetAvailable {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the whole loop on this machine.")
}
