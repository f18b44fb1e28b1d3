import BulwarkCore
import Foundation
import Testing

@testable import BulwarkFirmware

/// Whole images, built as vendors build them, through every detector at once.
@Suite struct AnalysisTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    /// A router image: TRX with a gzip-compressed kernel in a uImage and a SquashFS root with planted problems.
    static func buildRouterImage(_ bench: Workbench) throws -> String {
        let hash = try Workbench.text("openssl", ["passwd", "-1", "-salt", "ab12", "xc3511"])
        try bench.write("root/etc/passwd", "root:x:0:0:root:/root:/bin/ash\nnobody:*:65534:65534:nobody:/var:/bin/false\n")
        try bench.write("root/etc/shadow", "root:\(hash):18000:0:99999:7:::\nnobody:*:18000:0:99999:7:::\n")
        try bench.write("root/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::askfirst:/bin/login\n")
        try bench.write("root/etc/init.d/rcS", "#!/bin/sh\n/usr/sbin/telnetd -p 23\n", mode: 0o755)
        try bench.write("root/bin/busybox", elf(["BusyBox v1.31.1 (2020-03-05 10:12:13 CET) multi-call binary."]), mode: 0o755)
        try bench.symlink("root/bin/sh", to: "busybox")
        try bench.symlink("root/bin/ash", to: "busybox")
        try bench.write("root/usr/sbin/dropbear", elf(["SSH-2.0-dropbear_2019.78"]), mode: 0o755)
        try bench.write("root/usr/lib/libssl.so.1.1", elf(["OpenSSL 1.1.1k  25 Mar 2021"]))
        try FileManager.default.createDirectory(atPath: bench.path("root/etc/ssl"), withIntermediateDirectories: true)
        try bench.run("openssl", ["genrsa", "-out", "root/etc/ssl/server.key", "2048"])
        try bench.run("mksquashfs", ["root", "rootfs.squashfs", "-quiet", "-noappend", "-all-root"])
        try bench.write("vmlinux", elf(["Linux version 4.14.221 (builder@buildhost) (gcc version 7.5.0) #1 SMP"]))
        try bench.run("gzip", ["-9", "vmlinux"])
        let kernel = uImage(try Data(contentsOf: URL(fileURLWithPath: bench.path("vmlinux.gz"))), name: "Linux-4.14.221", compression: 1)
        return try bench.write("router.trx", trx([kernel, try Data(contentsOf: URL(fileURLWithPath: bench.path("rootfs.squashfs")))]))
    }

    @Test func analysesARouterImageEndToEnd() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let image = try Self.buildRouterImage(bench)
        var steps: [FirmwareAnalyzer.Step] = []
        let report = try FirmwareAnalyzer().analyze(path: image, now: Self.now) { steps.append($0) }
        #expect(steps == [.unpacking, .credentials, .components, .keys, .hardening, .fingerprints])
        #expect(report.image == "router.trx")
        #expect(report.extraction.byExtractor["unsquashfs"] == report.files.filter { $0.extractor == "unsquashfs" }.count)
        #expect(report.files.first { $0.path == "/etc/shadow" }?.origin == "router.trx > trx partition 2 > squashfs")
        #expect(report.components.map(\.key) == ["busybox@1.31.1", "dropbear@2019.78", "linux@4.14.221", "openssl@1.1.1k"])
        #expect(report.components.first { $0.name == "busybox" }?.applets == ["ash", "sh"])
        let rules = Set(report.findings.map(\.rule))
        #expect(rules == ["credentials.default-password", "services.telnet", "keys.private-key", "update.none", "image.unsigned"])
        let password = try #require(report.findings.first { $0.rule == "credentials.default-password" })
        #expect(password.location == "/etc/shadow:1")
        #expect(password.source == "router.trx > trx partition 2 > squashfs > unsquashfs")
        #expect(report.findings.first?.severity == .critical, "most severe first")
        #expect(report.integrity.looksEncrypted == false)
    }

    @Test func writesACycloneDXDocumentThatValidatesAgainstTheSchema() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let image = try Self.buildRouterImage(bench)
        let report = try FirmwareAnalyzer().analyze(path: image, now: Self.now)
        let document = try CycloneDXWriter.document(
            image: report.image, imageSHA256: report.sha256, version: "3.0.1", components: report.components, timestamp: Self.now,
            toolVersion: "0.1.0")
        let json = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        #expect(json["specVersion"] as? String == "1.6")
        let components = try #require(json["components"] as? [[String: Any]])
        #expect(
            components.compactMap { $0["purl"] as? String }.sorted() == [
                "pkg:generic/busybox@1.31.1", "pkg:generic/dropbear@2019.78", "pkg:generic/linux@4.14.221", "pkg:generic/openssl@1.1.1k",
            ])
        #expect(components.first { $0["name"] as? String == "linux" }?["type"] as? String == "operating-system")
        let again = try CycloneDXWriter.document(
            image: report.image, imageSHA256: report.sha256, version: "3.0.1", components: report.components, timestamp: Self.now,
            toolVersion: "0.1.0")
        #expect(again == document, "the same image gives the same document")
        if let problem = try SchemaValidation.cycloneDXViolations(String(decoding: document, as: UTF8.self)) {
            Issue.record("CycloneDX 1.6 schema: \(problem)")
        }
    }

    @Test func turnsAnEmptyRootDirectoryIntoAReportWithoutImageFindings() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.write("root/etc/hostname", "device\n")
        try bench.write("root/sbin/sysupgrade", "#!/bin/sh\n", mode: 0o755)
        let report = try FirmwareAnalyzer().analyze(path: bench.path("root"), now: Self.now)
        #expect(report.findings.isEmpty)
        #expect(report.updateMechanism == ["/sbin/sysupgrade"])
        #expect(report.extraction.byExtractor == ["directory": 4])
    }
}

/// Runs the official CycloneDX JSON schema through cyclonedx-python-lib, as scripts/test.sh installs it.
enum SchemaValidation {
    static func cycloneDXViolations(_ document: String) throws -> String? {
        let script = """
            import sys
            from cyclonedx.validation.json import JsonStrictValidator
            from cyclonedx.schema import SchemaVersion
            error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(sys.stdin.read())
            if error:
                print(error)
                sys.exit(1)
            """
        do {
            _ = try Workbench.run("python3", ["-c", "import cyclonedx.validation.json"])
        } catch {
            if ProcessInfo.processInfo.environment["CI"] != nil { return "cyclonedx-python-lib is not installed (scripts/test.sh installs it)" }
            print("SKIPPED: CycloneDX schema validation; run `pip install 'cyclonedx-python-lib[json-validation]'` (scripts/test.sh does)")
            return nil
        }
        do {
            _ = try Workbench.run("python3", ["-c", script], input: Data(document.utf8))
            return nil
        } catch {
            return "\(error)"
        }
    }
}

@Suite struct ReleasePolicyTests {
    static func report(_ findings: [FirmwareFinding], signatures: [String] = []) -> FirmwareReport {
        FirmwareReport(
            image: "fw.bin", sha256: "00", size: 10, analysedAt: Date(timeIntervalSince1970: 0),
            extraction: .init(entries: 0, regularFiles: 0, bytes: 0, byExtractor: [:], refusals: []), files: [], fingerprints: [], accounts: [],
            components: [], keys: [], integrity: ImageIntegrity(signatures: signatures, entropy: 0, highEntropyShare: 0, looksEncrypted: false), updateMechanism: [],
            findings: findings, signatureSetVersion: "test")
    }

    static let telnet = FirmwareFinding(
        rule: "services.telnet", severity: .high, title: "Telnet", file: "/etc/init.d/rcS", line: 2, evidence: "telnetd")
    static let doc = FirmwareFinding(
        rule: "credentials.hardcoded.assignment", severity: .high, title: "Doc", file: "/usr/share/doc/x.conf", line: 1, evidence: "x")

    @Test func failsAtTheSeverityThresholdUnlessWaived() {
        let policy = ReleasePolicy(fail: .init(severity: .high), waive: .init(files: ["/usr/share/doc/*"]))
        let verdict = policy.evaluate(Self.report([Self.telnet, Self.doc]))
        #expect(!verdict.passed)
        #expect(verdict.violations.map(\.location) == ["/etc/init.d/rcS:2"])
        #expect(verdict.waived == 1)
        #expect(ReleasePolicy(fail: .init(severity: .critical)).evaluate(Self.report([Self.telnet])).passed)
    }

    @Test func rulePrefixesSignaturesAndKnownExploitedComponents() {
        let policy = ReleasePolicy(fail: .init(rules: ["services.*"], unsignedImage: true, kev: true))
        let kev = ReleasePolicy.KnownExploited(component: "linux", version: "5.15.148", cve: "CVE-2024-1086", dueDate: "2024-06-20")
        let verdict = policy.evaluate(Self.report([Self.telnet]), knownExploited: [kev])
        #expect(verdict.violations.map(\.clause) == ["rule", "unsigned-image", "kev"])
        let signed = policy.evaluate(Self.report([], signatures: ["CMS/PKCS #7 signed data"]))
        #expect(signed.passed)
    }
}
