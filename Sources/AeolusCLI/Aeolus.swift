import ArgumentParser

/// The `aeolus` command: one binary for every role (daemons and tools).
public struct Aeolus: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aeolus",
        abstract: "eBPF probes for container networks, managed the GitOps way.",
        version: AeolusVersion.string,
        subcommands: [
            DictatorCommand.self, AgentCommand.self, CollectorCommand.self,
            CheckCommand.self, DiffCommand.self, GraphCommand.self, StatusCommand.self,
            TokenCommand.self, DemoCommand.self,
        ]
    )

    public init() {}
}

/// The version this binary reports.
public enum AeolusVersion {
    public static let string = "0.1.0-dev"
}
