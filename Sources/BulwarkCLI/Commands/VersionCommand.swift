import ArgumentParser
import BulwarkVulnerability

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Work with package and firmware versions.", subcommands: [Compare.self])

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Order two versions by a scheme's rules; prints <, = or >.",
            discussion: """
                Schemes: semver (SemVer 2.0.0), debian (dpkg), alpine (apk), rpm (rpmvercmp), generic (firmware and \
                vendor versions: 1.0.2k after 1.0.2, -rc1 before the release, +build ignored).

                Examples:
                  bulwark version compare --scheme debian 1:2.30-1 2.31-1
                  bulwark version compare --scheme generic 1.0.2k 1.0.2l
                  bulwark version compare --scheme alpine 1.2.3_rc1-r0 1.2.3-r0
                """)

        @Option(help: ArgumentHelp("semver, debian, alpine, rpm or generic.", valueName: "scheme")) var scheme: String
        @Argument(help: "The first version.") var first: String
        @Argument(help: "The second version.") var second: String

        func run() throws {
            guard let order = VersionScheme(rawValue: scheme) else {
                throw CLIError(
                    "unknown version scheme \"\(scheme)\"; use one of \(VersionScheme.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            print(order.compare(first, second).rawValue)
        }
    }
}
