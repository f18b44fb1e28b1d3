import ArgumentParser
import BulwarkCore
import BulwarkStore
import BulwarkVulnerability
import Foundation

struct VulnsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vulns", abstract: "Match components against the stored advisories; list a fleet's vulnerabilities and the updates it needs.",
        subcommands: [Match.self, List.self, Updates.self])

    /// Most urgent level to report, in the order `--fail-on` reads.
    enum Threshold: String, ExpressibleByArgument, CaseIterable {
        case actNow = "act-now"
        case high
        case medium
        case low

        func reached(by level: Priority.Level) -> Bool {
            let order: [Priority.Level] = [.actNow, .high, .medium, .low]
            let mine: Priority.Level =
                switch self {
                case .actNow: .actNow
                case .high: .high
                case .medium: .medium
                case .low: .low
                }
            return order.firstIndex(of: level)! <= order.firstIndex(of: mine)!
        }
    }

    enum MatchFormat: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
        case sarif
    }

    struct Match: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match the components of a CycloneDX or SPDX SBOM against every stored advisory (OSV, NVD), with KEV and EPSS.",
            discussion: """
                Each match says why it was made (the purl's ecosystem range, or the CPE vendor, product and version
                bounds), and how sure it is: high for an exact package or CPE; medium without the distribution release
                or vendor; low for a bare product name that unrelated vendors share, or an ecosystem Bulwark has no
                version order for. Priority: act now (in CISA KEV), high (EPSS >= 10% or CVSS >= 9), medium
                (CVSS >= 7 or EPSS >= 1%), low. Import advisories first with 'bulwark feeds import'.

                --format sarif writes SARIF 2.1.0 for code-scanning tools; --fail-on makes the exit status 1 when a
                match at or above that priority remains (for a release pipeline). With --org, that organisation's VEX
                statements are applied and not_affected or fixed matches are left out of --fail-on.

                Examples:
                  bulwark vulns match --sbom lumen-os-3.2.0.cdx.json
                  bulwark vulns match --sbom image.spdx.json --format sarif --output bulwark.sarif --fail-on high
                  bulwark vulns match --sbom plug.cdx.json --min-confidence medium --explain
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("The organisation whose VEX statements apply, by name.", valueName: "name")) var org: String?
        @Option(help: ArgumentHelp("The SBOM (CycloneDX 1.4-1.6 or SPDX 2.2/2.3 JSON).", valueName: "file")) var sbom: String
        @Option(help: "table, json or sarif.") var format: MatchFormat = .table
        @Option(help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "file")) var output: String?
        @Option(help: "Leave out matches below this confidence: low, medium or high.") var minConfidence: VulnerabilityMatch.Confidence = .low
        @Option(help: "Exit with status 1 when a match at or above this priority remains: act-now, high, medium or low.") var failOn: Threshold?
        @Flag(help: "In the table, print each match's reason under it.") var explain = false

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: sbom) else { throw CLIError("cannot open \(sbom): no such file or not readable") }
            guard data.count <= 256 << 20 else { throw CLIError("\(sbom) is larger than 256 MiB; that is not an SBOM Bulwark reads") }
            let document = try SBOM.read(Array(data), file: sbom)
            var seen = Set<String>()
            let components = document.components.compactMap { c -> ComponentIdentity? in
                let identity = ComponentIdentity(name: c.name, version: c.version ?? "", purl: c.purl, cpe: c.cpe, bomRef: c.bomRef)
                return seen.insert(identity.key).inserted ? identity : nil
            }
            let matches = try await database.withStore { store -> [VulnerabilityMatch] in
                let counts = try await store.advisoryCounts()
                guard !counts.isEmpty else {
                    throw CLIError("no advisories are stored; import some first, e.g. 'bulwark feeds import osv DUMP.zip' or 'bulwark feeds import nvd FILE'")
                }
                Terminal.progress("filing \(counts.values.reduce(0, +)) advisories for matching")
                defer { Terminal.endProgress() }
                if let org {
                    guard let found = try await store.organisation(named: org) else { throw CLIError("no organisation named \"\(org)\"") }
                    return try await store.match(components, organisation: found.id, for: try await store.systemPrincipal(for: found))
                }
                return try await store.match(components)
            }
            let kept = matches.filter { $0.confidence >= minConfidence }.sorted {
                ($0.priority, $0.advisoryID, $0.component.key) < ($1.priority, $1.advisoryID, $1.component.key)
            }
            let subject = MatchReports.Subject(name: document.components.isEmpty ? sbom : URL(fileURLWithPath: sbom).lastPathComponent, version: nil, file: sbom)
            let text: String
            switch format {
            case .json:
                struct Report: Encodable {
                    let sbom: String
                    let components: Int
                    let matches: [VulnerabilityMatch]
                }
                text = try Terminal.json(Report(sbom: sbom, components: components.count, matches: kept))
            case .sarif:
                text = String(decoding: try MatchReports.sarif(kept, subject: subject, toolVersion: BulwarkCommand.configuration.version), as: UTF8.self)
            case .table:
                text = Self.table(kept, components: components.count, explain: explain)
            }
            if try Terminal.emit(text, to: output), let output {
                Terminal.printError("\(kept.count) matches in \(components.count) components written to \(output)")
            }
            if let failOn {
                let blocking = kept.filter { failOn.reached(by: $0.priority.level) && !($0.vex?.status.suppresses ?? false) }
                if !blocking.isEmpty {
                    Terminal.printError("\(blocking.count) matches at or above \(failOn.rawValue) priority")
                    throw ExitCode(1)
                }
            }
        }

        static func table(_ matches: [VulnerabilityMatch], components: Int, explain: Bool) -> String {
            var rows: [[String]] = []
            for m in matches {
                rows.append([
                    m.priority.level.rawValue, m.cve ?? m.advisoryID, "\(m.component.name) \(m.component.version)",
                    m.severity.map { String(format: "%.1f", $0.score) } ?? "-", m.kev?.dueDate ?? "-",
                    m.epss.map { String(format: "%.2f%%", $0.probability * 100) } ?? "-", m.fixedIn.isEmpty ? "-" : m.fixedIn.joined(separator: ", "),
                    m.confidence.rawValue, m.vex?.status.rawValue ?? "-",
                ])
            }
            let header = ["PRIORITY", "VULNERABILITY", "COMPONENT", "CVSS", "KEV DUE", "EPSS", "FIXED IN", "CONFIDENCE", "VEX"]
            let summary = "\(matches.count) matches in \(components) components"
            guard !matches.isEmpty else { return summary }
            var text = Terminal.table(header, rows) + "\n" + summary
            if explain {
                text += "\n\nWhy:\n" + matches.map { "  \($0.cve ?? $0.advisoryID) in \($0.component.name) \($0.component.version): \($0.reason.explanation)" }
                    .joined(separator: "\n")
            }
            return text
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organisation's vulnerabilities, most urgent first, with the releases and devices that carry each.",
            discussion: """
                Every release with components (from 'bulwark sbom import' or the inventory) is matched against the stored
                advisories. Vulnerabilities marked not_affected or fixed with 'bulwark vex set' come last.

                Examples:
                  bulwark vulns list --org "Harbourside Retail Group"
                  bulwark vulns list --org "Lumen Devices Ltd" --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                let list = try await store.fleetVulnerabilities(organisation: org.id, for: try await store.systemPrincipal(for: org))
                switch format {
                case .json: print(try Terminal.json(list))
                case .table:
                    let rows = list.map { v in
                        [
                            v.suppressed ? "(vex) " + (v.match.vex?.status.rawValue ?? "") : v.match.priority.level.rawValue, v.id,
                            v.match.severity.map { String(format: "%.1f", $0.score) } ?? "-", v.match.kev?.dueDate ?? "-",
                            v.components.joined(separator: ", "), "\(v.releases.count)", "\(v.devices)",
                        ]
                    }
                    print(Terminal.table(["PRIORITY", "VULNERABILITY", "CVSS", "KEV DUE", "COMPONENTS", "RELEASES", "DEVICES"], rows))
                    print("\(list.filter { !$0.suppressed }.count) open vulnerabilities in \(org.name)")
                }
            }
        }
    }

    struct Updates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say, per firmware release or for one device, whether an update is required and why.",
            discussion: """
                An update is required when a newer release of the same product fixes known vulnerabilities of the
                device's release, or when the release is past its support period and a newer one exists. A release past
                support with nothing newer is reported as unsupported.

                Examples:
                  bulwark vulns updates --org "Harbourside Retail Group"
                  bulwark vulns updates --serial HRG-000042 --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "One device, by serial number.") var serial: String?
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                let principal = try await store.systemPrincipal(for: org)
                if let serial {
                    let advice = try await store.updateAdvice(serial: serial, organisation: org.id, for: principal)
                    switch format {
                    case .json: print(try Terminal.json(advice))
                    case .table: print("\(serial): \(advice.status.rawValue.replacingOccurrences(of: "_", with: " ")): \(advice.reason)")
                    }
                    return
                }
                let releases = try await store.releaseVulnerabilities(organisation: org.id, for: principal)
                let advice = store.updateAdvice(for: releases)
                switch format {
                case .json:
                    struct Row: Encodable {
                        let product: String
                        let release: String
                        let devices: Int
                        let advice: UpdateAdvice
                    }
                    print(try Terminal.json(releases.map { Row(product: $0.productModel, release: $0.version, devices: $0.devices, advice: advice[$0.releaseID]!) }))
                case .table:
                    let rows = releases.map { r in
                        let a = advice[r.releaseID]!
                        return [r.productModel, r.version, "\(r.devices)", a.status.rawValue.replacingOccurrences(of: "_", with: " "), a.recommendedRelease ?? "-", a.reason]
                    }
                    print(Terminal.table(["PRODUCT", "RELEASE", "DEVICES", "STATUS", "UPDATE TO", "WHY"], rows))
                    let devices = releases.filter { advice[$0.releaseID]!.updateRequired }.reduce(0) { $0 + $1.devices }
                    print("\(devices) devices need an update")
                }
            }
        }
    }
}

extension VulnerabilityMatch.Confidence: ExpressibleByArgument {}
