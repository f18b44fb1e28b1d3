import ArgumentParser
import BulwarkCore
import BulwarkFirmware
import BulwarkStore
import Foundation

struct FirmwareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware", abstract: "Inspect firmware images: unpacking, credentials, components, keys, services.",
        subcommands: [Analyze.self, Keys.self, Lineage.self]
    )

    struct Analyze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unpack a firmware image or root directory and report credentials, components, keys, services and hardening.",
            discussion: """
                Images are unpacked natively (gzip, zip, tar, cpio newc/odc, uImage, TRX) or with Debian's tools (xz/lzma and \
                bzip2 from xz-utils and bzip2, SquashFS with squashfs-tools' unsquashfs, ext2/3/4 with e2fsprogs' debugfs), \
                recursively within the --max-depth and --max-bytes budgets. \
                While it runs, a progress line is shown on standard error when that is a terminal. Containers inside blobs of unknown format are \
                carved out. Paths and links that leave the image's root are refused and reported.

                Each finding names the file, line and rule, and the ETSI EN 303 645 provision it bears on. Passwords are \
                cracked against a built-in default-credential list (Mirai's table and vendor defaults) plus --dictionary files \
                (username<TAB>password lines). With --org, --product and --release the components and findings replace the \
                release's earlier ones in one audited transaction.

                Examples:
                  bulwark firmware analyze router.bin
                  bulwark firmware analyze rootfs/ --format json --output report.json
                  bulwark firmware analyze router.bin --json report.json --html report.html
                  bulwark firmware analyze camera.img --sbom camera.cdx.json
                  bulwark firmware analyze camera.img --public-key vendor.pub.pem --signature camera.img.sig
                  bulwark firmware analyze lc200-3.0.1.bin --org "Lumen Devices Ltd" --product LC-200 --release 3.0.1
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: ArgumentHelp("A firmware image file or an unpacked root directory.", valueName: "image")) var image: String
        @Option(help: "table or json.") var format: OutputFormat = .table
        @Option(name: [.customLong("output"), .customLong("json")], help: ArgumentHelp("Also write the full report as JSON to this file.", valueName: "file"))
        var output: String?
        @Option(help: ArgumentHelp("Also write the report as one self-contained HTML page to this file.", valueName: "file")) var html: String?
        @Option(help: ArgumentHelp("Write the components as a CycloneDX 1.6 JSON SBOM to this file.", valueName: "file")) var sbom: String?
        @Option(help: ArgumentHelp("The organisation to store components and findings for (needs --product and --release).", valueName: "name"))
        var org: String?
        @Option(help: ArgumentHelp("The product model the image belongs to.", valueName: "model")) var product: String?
        @Option(help: ArgumentHelp("The firmware release version the image is.", valueName: "version")) var release: String?
        @Option(help: ArgumentHelp("Extra username<TAB>password list to crack hashes with.", valueName: "file")) var dictionary: [String] = []
        @Option(help: ArgumentHelp("Containers to follow inside each other.", valueName: "n")) var maxDepth: Int = 8
        @Option(help: ArgumentHelp("Bytes all unpacking together may produce.", valueName: "n")) var maxBytes: Int = 2 << 30
        @OptionGroup var signing: SignatureOptions

        func validate() throws {
            let storing = [org, product, release].compactMap { $0 }.count
            if storing != 0 && storing != 3 { throw ValidationError("--org, --product and --release go together") }
            if maxDepth < 1 || maxBytes < 1 << 20 { throw ValidationError("--max-depth must be at least 1 and --max-bytes at least 1048576") }
        }

        func run() async throws {
            var words = CredentialDictionary.builtIn
            for file in dictionary {
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
                do {
                    words.merge(try CredentialDictionary.parse(String(decoding: data, as: UTF8.self), file: file, source: nil))
                } catch {
                    throw CLIError(error.description)
                }
            }
            let limits = UnpackLimits(maxDepth: maxDepth, maxTotalBytes: maxBytes, maxFileBytes: min(maxBytes, 512 << 20))
            let analyzer = FirmwareAnalyzer(limits: limits, dictionary: words)
            let now = Date()
            let check = try signing.check(for: image)
            let report: FirmwareReport
            do {
                report = try analyzer.analyze(path: image, now: now, signature: check) { step in Terminal.progress("\(image): \(step.rawValue)…") }
            } catch {
                Terminal.endProgress()
                throw CLIError(error.description)
            }
            Terminal.endProgress()
            if let sbom {
                let document = try CycloneDXWriter.document(
                    image: report.image, imageSHA256: report.sha256, version: release, components: report.components, timestamp: now,
                    toolVersion: BulwarkCommand.configuration.version)
                try document.write(to: URL(fileURLWithPath: sbom))
            }
            if let output { try Terminal.emit(try Terminal.json(report), to: output) }
            if let html { try Terminal.emit(FirmwareHTMLReport.render(report, toolVersion: BulwarkCommand.configuration.version), to: html) }
            var stored: String?
            if let org, let product, let release {
                stored = try await store(report, org: org, product: product, release: release, at: now)
            }
            switch format {
            case .json: print(try Terminal.json(report))
            case .table: show(report)
            }
            if let stored { print("\n\(stored)") }
        }

        func store(_ report: FirmwareReport, org: String, product: String, release: String, at now: Date) async throws -> String {
            try await database.withStore { store in
                guard let organisation = try await store.organisation(named: org) else {
                    throw CLIError("no organisation named \"\(org)\"; create one with 'bulwark org create'")
                }
                let principal = try await store.systemPrincipal(for: organisation)
                let components = report.components.map {
                    ComponentInput(name: $0.name, version: $0.version, supplier: nil, purl: $0.purl, cpe: $0.cpe)
                }
                let findings = report.findings
                let keys = report.keys.map {
                    FirmwareKeyRecord(fingerprint: $0.fingerprint, kind: $0.kind.rawValue, algorithm: $0.algorithm, file: $0.file)
                }
                let version = report.signatureSetVersion
                do {
                    try await store.recordFirmwareAnalysis(
                        model: product, version: release, components: components, keys: keys, fingerprints: report.fingerprints, by: principal,
                        origin: .commandLine
                    ) { releaseID in
                        findings.map { Self.finding($0, organisation: organisation.id, release: releaseID, observedAt: now, rules: version) }
                    }
                } catch let error as AccessError {
                    throw CLIError("\(organisation.name): \(error)")
                }
                return
                    "stored \(components.count) components, \(keys.count) keys and \(findings.count) findings for \(product) \(release) of \(organisation.name)"
            }
        }

        /// A firmware finding as a release finding, with an id stable across re-analyses of the same release.
        static func finding(
            _ finding: FirmwareFinding, organisation: Identifier<Organisation>, release: Identifier<FirmwareRelease>, observedAt: Date, rules: String
        )
            -> Finding
        {
            let provision = finding.provision.map { " (EN 303 645 provision \($0))" } ?? ""
            return Finding(
                id: .derived(from: organisation.rawValue, release.rawValue, finding.rule, finding.location, finding.evidence),
                organisation: organisation, subject: .release(release), kind: "firmware.\(finding.rule)", severity: finding.severity,
                title: finding.title,
                evidence: .init(summary: finding.evidence + provision, location: finding.location, rule: finding.rule),
                provenance: .init(source: SQLStore.firmwareFindingSource, observedAt: Timestamp.format(observedAt), version: rules))
        }

        func show(_ report: FirmwareReport) {
            print("\(report.image): \(report.size) bytes, SHA-256 \(report.sha256)")
            let extractors = report.extraction.byExtractor.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print(
                "unpacked \(report.extraction.entries) entries (\(report.extraction.regularFiles) files, \(report.extraction.bytes) bytes): \(extractors)"
            )
            for refusal in report.extraction.refusals.prefix(10) { print("  refused: \(refusal.description)") }
            if !report.integrity.signatures.isEmpty { print("signatures: \(report.integrity.signatures.joined(separator: ", "))") }
            print("")
            if report.components.isEmpty {
                print("no components identified")
            } else {
                print(
                    Terminal.table(
                        ["COMPONENT", "VERSION", "CPE", "FOUND IN"],
                        report.components.map { c in
                            [
                                c.name, c.version, c.cpe ?? "-",
                                (c.evidence.first.map { "\($0.file) (\($0.method))" } ?? "")
                                    + (c.evidence.count > 1 ? " +\(c.evidence.count - 1)" : ""),
                            ]
                        }))
            }
            print("")
            if report.findings.isEmpty {
                print("no findings")
            } else {
                print(
                    Terminal.table(
                        ["SEVERITY", "RULE", "WHERE", "FINDING"],
                        report.findings.map {
                            [$0.severity.rawValue, $0.rule, $0.location, $0.title + ($0.provision.map { " [EN 303 645 \($0)]" } ?? "")]
                        }))
            }
            let counts = report.severityCounts.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
            print(
                "\n\(report.components.count) components, \(report.keys.count) keys and certificates, \(report.findings.count) findings\(counts.isEmpty ? "" : " (\(counts))")"
            )
        }
    }
}

extension FirmwareCommand {
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List private keys and certificates that ship in more than one release of an organisation.",
            discussion: """
                Keys are recorded by 'bulwark firmware analyze --org --product --release', by SHA-256 fingerprint. A private
                key found in two releases (or two products) is held by every device that runs either.

                Examples:
                  bulwark firmware keys --org "Lumen Devices Ltd"
                  bulwark firmware keys --org "Lumen Devices Ltd" --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            let shared = try await database.withStore { store -> [SharedFirmwareKey] in
                let org = try await organisation.resolve(in: store)
                return try await store.sharedFirmwareKeys(organisation: org.id, for: try await store.systemPrincipal(for: org))
            }
            switch format {
            case .json: print(try Terminal.json(shared))
            case .table:
                guard !shared.isEmpty else {
                    print("no key or certificate occurs in more than one release")
                    return
                }
                print(
                    Terminal.table(
                        ["FINGERPRINT", "KIND", "ALGORITHM", "RELEASES", "FILES"],
                        shared.map {
                            [
                                String($0.fingerprint.prefix(16)) + "…", $0.kind, $0.algorithm, $0.releases.joined(separator: ", "),
                                $0.files.joined(separator: ", "),
                            ]
                        }))
            }
        }
    }
}

/// `--public-key` and `--signature`: verify the image's detached signature with the manufacturer's key.
struct SignatureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The manufacturer's public key (PEM) to verify the image's detached signature with.", valueName: "file"))
    var publicKey: String?
    @Option(help: ArgumentHelp("The detached signature as `openssl dgst -sign` writes it (default: IMAGE.sig).", valueName: "file"))
    var signature: String?

    /// The check to run, or `nil` when no key was given.
    func check(for image: String) throws -> FirmwareAnalyzer.SignatureCheck? {
        guard let publicKey else {
            if signature != nil { throw CLIError("--signature needs --public-key to verify it with") }
            return nil
        }
        guard let key = FileManager.default.contents(atPath: publicKey) else { throw CLIError("cannot read \(publicKey)") }
        let file = signature ?? image + ".sig"
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw CLIError("cannot read the signature \(file); give it with --signature")
        }
        return FirmwareAnalyzer.SignatureCheck(signature: bytes, publicKeyPEM: String(decoding: key, as: UTF8.self), keyFile: publicKey)
    }
}
