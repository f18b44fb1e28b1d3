import ArgumentParser
import BulwarkCore
import BulwarkFirmware
import BulwarkStore
import Foundation

extension FirmwareCommand {
    struct Lineage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how much code the analysed releases of different product lines share, from trunk to release.",
            discussion: """
                Every regular file of a release analysed with 'bulwark firmware analyze --org --product --release' is kept by \
                SHA-256, and every binary also by a similarity digest (context-triggered piecewise hashing, as ssdeep). A file \
                is shared with another product line when a release of that line holds the same bytes, or, for a binary, one \
                whose digest scores at least --threshold (0 to 100) against it: the same source rebuilt or lightly patched.

                The tree shows each trunk, its product lines and their releases with the percentage of bytes they share with \
                the trunk's other lines, then the components whose binary is the same across lines, then the pairs of \
                releases that share code.

                Examples:
                  bulwark firmware lineage --org "Lumen Devices Ltd"
                  bulwark firmware lineage --org "Lumen Devices Ltd" --threshold 90 --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "table or json.") var format: OutputFormat = .table
        @Option(help: ArgumentHelp("Lowest similarity score (1 to 100) at which two binaries count as near-identical.", valueName: "score"))
        var threshold: Int = FirmwareLineage.defaultThreshold

        func validate() throws {
            guard (1...100).contains(threshold) else { throw ValidationError("--threshold must be 1 to 100, not \(threshold)") }
        }

        func run() async throws {
            let (lineage, name) = try await database.withStore { store -> (FirmwareLineage, String) in
                let org = try await organisation.resolve(in: store)
                let principal = try await store.systemPrincipal(for: org)
                return (try await store.firmwareLineage(organisation: org.id, threshold: threshold, for: principal), org.name)
            }
            switch format {
            case .json: print(try Terminal.json(lineage))
            case .table: print(Self.table(lineage, organisation: name))
            }
        }

        /// The tree and the pairs as text.
        static func table(_ lineage: FirmwareLineage, organisation: String) -> String {
            guard !lineage.trunks.isEmpty else {
                return "no release of \(organisation) has been analysed with --org, --product and --release yet"
            }
            var lines: [String] = []
            for trunk in lineage.trunks {
                lines.append("trunk \(trunk.name)")
                for line in trunk.productLines {
                    lines.append("  \(line.name): \(line.sharedPercent)% shared with the trunk's other product lines")
                    for release in line.releases {
                        lines.append(
                            "    \(release.model) \(release.version): \(release.files) files, \(release.bytes) bytes, \(release.sharedPercent)% shared "
                                + "(identical \(release.identicalBytes) bytes, near-identical \(release.similarBytes) bytes)")
                    }
                }
                for component in trunk.components {
                    let versions = component.versions.isEmpty ? "version not identified" : component.versions.joined(separator: ", ")
                    lines.append(
                        "  same trunk: \(component.name) (\(versions)) \(component.match) binary, score \(component.score), in "
                            + component.releases.joined(separator: ", "))
                }
            }
            lines.append("")
            if lineage.pairs.isEmpty {
                lines.append("no two releases of different product lines share a file")
            } else {
                lines.append(
                    Terminal.table(
                        ["RELEASE", "RELEASE", "IDENTICAL FILES", "NEAR-IDENTICAL BINARIES", "SHARED"],
                        lineage.pairs.map {
                            [
                                $0.first, $0.second, "\($0.identicalFiles) (\($0.identicalBytes) bytes)",
                                "\($0.similarBinaries) (\($0.similarBytes) bytes)", "\($0.sharedPercent)%",
                            ]
                        }))
            }
            return lines.joined(separator: "\n")
        }
    }
}
