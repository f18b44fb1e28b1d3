import ArgumentParser
import BulwarkCore
import BulwarkFirmware
import BulwarkStore
import BulwarkVulnerability
import Foundation
internal import Yams

struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Analyse a firmware image and fail (exit status 1) when it breaks a release policy; for a manufacturer's CI.",
        discussion: """
            The policy is YAML:

              fail:
                severity: high                         # any finding at or above this severity
                rules: [credentials.default-password]  # any finding of these rules (a trailing * matches a prefix)
                unsigned-image: true                   # no recognised signature on the image
                kev: true                              # a component with a CISA KEV-listed vulnerability
              waive:
                rules: [update.none]
                files: [/usr/share/doc/*]

            unsigned-image holds when the image embeds a recognised signature, or when --public-key verifies its
            detached signature (Ed25519, ECDSA P-256/P-384 or RSA). kev matches the image's components against the advisories stored with 'bulwark feeds import' (in --database).
            The verdict is printed; --sarif writes every finding as SARIF 2.1.0 with the failing ones as errors,
            --output writes the report with the verdict as JSON, and --html as one self-contained page for people.
            Exit status: 0 when the policy holds, 1 when it fails.

            Examples:
              bulwark gate build/router.bin --policy release-policy.yaml
              bulwark gate rootfs/ --policy policy.yaml --sarif bulwark.sarif --output gate.json --html gate.html
              bulwark gate router.bin --policy policy.yaml --public-key vendor.pub.pem   # checks router.bin.sig
            """)

    @OptionGroup var database: DatabaseOptions
    @Argument(help: ArgumentHelp("A firmware image file or an unpacked root directory.", valueName: "image")) var image: String
    @Option(help: ArgumentHelp("The release policy (YAML).", valueName: "file")) var policy: String
    @Option(help: ArgumentHelp("Write the findings as SARIF 2.1.0 to this file.", valueName: "file")) var sarif: String?
    @Option(help: ArgumentHelp("Write the report and verdict as JSON to this file.", valueName: "file")) var output: String?
    @Option(help: ArgumentHelp("Write the verdict and the report as one self-contained HTML page to this file.", valueName: "file"))
    var html: String?
    @OptionGroup var signing: SignatureOptions

    struct Output: Encodable {
        var verdict: ReleasePolicy.Verdict
        var report: FirmwareReport
    }

    func run() async throws {
        guard let text = FileManager.default.contents(atPath: policy) else { throw CLIError("cannot read \(policy)") }
        let rules: ReleasePolicy
        do {
            rules = try YAMLDecoder().decode(ReleasePolicy.self, from: String(decoding: text, as: UTF8.self))
        } catch {
            throw CLIError("\(policy): not a release policy: \(Self.explain(error))")
        }
        let check = try signing.check(for: image)
        let report: FirmwareReport
        do {
            report = try FirmwareAnalyzer().analyze(path: image, now: Date(), signature: check) { step in
                Terminal.progress("\(image): \(step.rawValue)…")
            }
        } catch {
            Terminal.endProgress()
            throw CLIError(error.description)
        }
        Terminal.endProgress()
        var exploited: [ReleasePolicy.KnownExploited] = []
        if rules.fail.kev == true {
            let identities = report.components.map { ComponentIdentity(name: $0.name, version: $0.version, purl: $0.purl, cpe: $0.cpe) }
            let matches = try await database.withStore { store -> [VulnerabilityMatch] in
                guard try await !store.advisoryCounts().isEmpty else {
                    throw CLIError("the policy's kev clause needs stored advisories; import them with 'bulwark feeds import'")
                }
                return try await store.match(identities)
            }
            exploited = matches.compactMap { match in
                guard let kev = match.kev else { return nil }
                return .init(
                    component: match.component.name, version: match.component.version, cve: match.cve ?? match.advisoryID, dueDate: kev.dueDate)
            }
        }
        let verdict = rules.evaluate(report, knownExploited: exploited)
        if let sarif {
            try FirmwareSARIF.log(report, verdict: verdict, toolVersion: BulwarkCommand.configuration.version).write(to: URL(fileURLWithPath: sarif))
        }
        if let output { try Data(try Terminal.json(Output(verdict: verdict, report: report)).utf8).write(to: URL(fileURLWithPath: output)) }
        if let html {
            try Terminal.emit(
                FirmwareHTMLReport.render(report, toolVersion: BulwarkCommand.configuration.version, verdict: verdict, policy: policy), to: html)
        }
        print("\(report.image): \(report.components.count) components, \(report.findings.count) findings, \(verdict.waived) waived")
        if verdict.passed {
            print("PASS: the release meets \(policy)")
            return
        }
        print("FAIL: \(verdict.violations.count) violations of \(policy)")
        for violation in verdict.violations {
            print("  [\(violation.clause)] \(violation.location.map { "\($0): " } ?? "")\(violation.message)")
        }
        throw ExitCode(1)
    }

    /// A decoding error in one line, with the policy key it concerns.
    static func explain(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, let context):
            return "\((context.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is required"
        default:
            return "\(error)"
        }
    }
}
