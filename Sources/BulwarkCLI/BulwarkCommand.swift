import ArgumentParser

/// The `bulwark` command: every subcommand is a thin shell over a library call.
public struct BulwarkCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bulwark",
        abstract: "IoT cyber risk from firmware to fleet to insurance.",
        discussion: """
            Data lives in one SQLite file by default (bulwark.sqlite, created on first use); point --database or \
            BULWARK_DATABASE_URL at postgres://… to share one PostgreSQL between several servers.

            Try it:
              bulwark demo                                  # fictional world, prints a URL and logins, serves the dashboard
              bulwark import inventory fleet.csv --org "My Company"
              bulwark devices list --credential default --format json
            """,
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, DemoCommand.self, MigrateCommand.self, OrgCommand.self, UserCommand.self, TokenCommand.self, ImportCommand.self,
            DevicesCommand.self, FeedsCommand.self, SBOMCommand.self, BlastRadiusCommand.self, CVSSCommand.self, VersionCommand.self,
            VulnsCommand.self, VEXCommand.self, LedgerCommand.self, TrafficCommand.self, CollectCommand.self, MUDCommand.self, QuarantineCommand.self,
            FirmwareCommand.self, GateCommand.self,
        ]
    )

    public init() {}
}

extension BulwarkCommand {
    /// Parses the process arguments and runs the chosen command; the executable's only call.
    public static func start() async {
        await main()
    }
}
