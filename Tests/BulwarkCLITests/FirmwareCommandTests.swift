import BulwarkCore
import BulwarkStore
import Foundation
import Testing

/// `bulwark firmware analyze` on images the test builds with Debian's tools.
@Suite struct FirmwareCommandTests {
    /// A gzip-compressed cpio root file system with a Mirai default password, a telnet server and BusyBox.
    static func buildImage(in directory: URL, kernel: String? = nil, key: String? = nil) throws -> String {
        let root = directory.appendingPathComponent("root")
        func write(_ path: String, _ content: Data, mode: Int = 0o644) throws {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        }
        let hash = try shell("openssl passwd -6 -salt fw2024 vizxv")
        try write("etc/passwd", Data("root:x:0:0:root:/root:/bin/sh\n".utf8))
        try write("etc/shadow", Data("root:\(hash):19000:0:99999:7:::\n".utf8))
        try write("etc/init.d/S50telnet", Data("#!/bin/sh\ntelnetd -F &\n".utf8), mode: 0o755)
        var busybox = Data([0x7f, 0x45, 0x4c, 0x46]) + Data(count: 60)
        busybox.append(Data("\0BusyBox v1.33.2 (2022-01-01 00:00:00 UTC) multi-call binary.\0".utf8))
        try write("bin/busybox", busybox, mode: 0o755)
        if let key { try write("etc/ssl/private/device.key", try Data(contentsOf: URL(fileURLWithPath: key))) }
        if let kernel {
            try write(
                "boot/vmlinux", Data([0x7f, 0x45, 0x4c, 0x46]) + Data(count: 60) + Data("\0Linux version \(kernel) (builder@host) #1 SMP\0".utf8))
        }
        _ = try shell("cd '\(root.path)' && find . | sort | cpio -o -H newc 2>/dev/null | gzip -9 > '\(directory.path)/rootfs.cpio.gz'")
        return directory.appendingPathComponent("rootfs.cpio.gz").path
    }

    @discardableResult
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLITestFailure("\(command) exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fw-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func analysesAnImageAndWritesReportAndSBOM() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try Self.buildImage(in: directory)
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let report = directory.appendingPathComponent("report.json").path
        let sbom = directory.appendingPathComponent("out.cdx.json").path
        let result = try cli.run(["firmware", "analyze", image, "--output", report, "--sbom", sbom], withDatabase: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("unpacked 8 entries"))
        #expect(result.stdout.contains("busybox    1.33.2   cpe:2.3:a:busybox:busybox:1.33.2:*:*:*:*:*:*:*  /bin/busybox (binary-signature)"))
        #expect(result.stdout.contains("critical  credentials.default-password  /etc/shadow:1"))
        #expect(result.stdout.contains("[EN 303 645 5.1-1]"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(
            Set(findings.compactMap { $0["rule"] as? String }) == [
                "credentials.default-password", "services.telnet", "update.none", "image.unsigned",
            ])
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.first { $0["path"] as? String == "/etc/shadow" }?["extractor"] as? String == "cpio-newc")
        #expect(files.first { $0["path"] as? String == "/etc/shadow" }?["origin"] as? String == "rootfs.cpio.gz > gzip")
        let document = try String(contentsOfFile: sbom, encoding: .utf8)
        #expect(document.contains("\"purl\" : \"pkg:generic/busybox@1.33.2\""))
        if let problem = try CycloneDXSchema.violations(of: document) { Issue.record("CycloneDX 1.6 schema: \(problem)") }

        let asJSON = try cli.run(["firmware", "analyze", image, "--format", "json"], withDatabase: false)
        #expect((try JSONSerialization.jsonObject(with: Data(asJSON.stdout.utf8)) as? [String: Any])?["image"] as? String == "rootfs.cpio.gz")
    }

    @Test func listsAPrivateKeyShippedInTwoReleases() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("shared.key").path
        try Self.shell("openssl genpkey -algorithm ed25519 -out '\(key)'")
        let first = try Self.buildImage(in: directory.appendingPathComponent("a"), key: key)
        let second = try Self.buildImage(in: directory.appendingPathComponent("b"), key: key)
        let cli = try MatchCommandTests.demo()
        defer { cli.remove() }
        let org = ["--org", "Lumen Devices Ltd"]
        #expect(try cli.run(["firmware", "keys"] + org).stdout.contains("no key or certificate occurs in more than one release"))
        for (image, release) in [(first, "3.0.1"), (second, "3.2.0")] {
            let result = try cli.run(["firmware", "analyze", image, "--product", "LC-200", "--release", release] + org)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains(", 1 keys and "))
        }
        let listed = try cli.run(["firmware", "keys", "--format", "json"] + org)
        let shared = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(shared.count == 1)
        #expect(shared.first?["releases"] as? [String] == ["LC-200 3.0.1", "LC-200 3.2.0"])
        #expect(shared.first?["files"] as? [String] == ["/etc/ssl/private/device.key"])
        #expect(shared.first?["algorithm"] as? String == "Ed25519")
        let rival = try cli.run(["org", "create", "Rival Cameras plc", "--kind", "manufacturer"])
        #expect(rival.status == 0)
        #expect(try cli.run(["firmware", "keys", "--org", "Rival Cameras plc"]).stdout.contains("no key or certificate occurs"))
    }

    @Test func explainsABrokenImageInOneLine() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try Self.buildImage(in: directory)
        let whole = try Data(contentsOf: URL(fileURLWithPath: image))
        let cut = directory.appendingPathComponent("cut.cpio.gz")
        try whole.prefix(whole.count / 2).write(to: cut)
        let result = try BulwarkProcess.make().run(["firmware", "analyze", cut.path], withDatabase: false)
        #expect(result.status != 0)
        #expect(result.stderr.contains("cut.cpio.gz: byte "))
        #expect(result.stderr.contains("deflate stream is truncated"))
        let missing = try BulwarkProcess.make().run(["firmware", "analyze", directory.appendingPathComponent("nope.bin").path], withDatabase: false)
        #expect(missing.stderr.contains("nope.bin: does not exist"))
        let half = try BulwarkProcess.make().run(["firmware", "analyze", image, "--org", "X"], withDatabase: false)
        #expect(half.stderr.contains("--org, --product and --release go together"))
    }

    @Test func storesComponentsAndFindingsForTheReleaseOfOneOrganisationOnly() async throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try Self.buildImage(in: directory)
        let cli = try MatchCommandTests.demo()
        defer { cli.remove() }
        let org = "Lumen Devices Ltd"
        #expect(try cli.run(["org", "create", "Rival Cameras plc", "--kind", "manufacturer"]).status == 0)
        let stored = try cli.run(["firmware", "analyze", image, "--org", org, "--product", "LC-200", "--release", "3.0.1"])
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(stored.stdout.contains("stored 1 components, 0 keys and 4 findings for LC-200 3.0.1 of Lumen Devices Ltd"))
        let again = try cli.run(["firmware", "analyze", image, "--org", org, "--product", "LC-200", "--release", "3.0.1"])
        #expect(again.status == 0, "\(again.stderr)")
        let wrong = try cli.run(["firmware", "analyze", image, "--org", org, "--product", "LC-200", "--release", "9.9"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("release 9.9 of LC-200 was not found"))

        let store = SQLStore(database: try Database.open(cli.database))
        defer { Task { await store.database.close() } }
        let lumen = try #require(try await store.organisation(named: org))
        let principal = try await store.systemPrincipal(for: lumen)
        let components = try await store.components(model: "LC-200", version: "3.0.1", organisation: lumen.id, for: principal)
        #expect(components.map(\.purl) == ["pkg:generic/busybox@1.33.2"])
        let release = try #require(components.first?.release)
        let findings = try await store.findings(about: .release(release), organisation: lumen.id, for: principal)
        #expect(findings.count == 4, "a second analysis replaces the first")
        let password = try #require(findings.first { $0.kind == "firmware.credentials.default-password" })
        #expect(password.evidence.location == "/etc/shadow:1")
        #expect(password.evidence.summary.hasSuffix("(EN 303 645 provision 5.1-1)"))
        #expect(password.provenance.source == "firmware-scan")
        let others = try await store.allOrganisations().filter { $0.id != lumen.id }
        #expect(others.map(\.name).contains("Rival Cameras plc"))
        for other in others {
            let outsider = try await store.systemPrincipal(for: other)
            #expect(try await store.findings(about: .release(release), organisation: nil, for: outsider).isEmpty)
            // An operator that runs LC-200 cameras has a release 3.0.1 of its own; writing to it must not reach Lumen's.
            if let theirs = try? await store.recordFirmwareAnalysis(
                model: "LC-200", version: "3.0.1", components: [], by: outsider, origin: .commandLine, findings: { _ in [] })
            {
                #expect(theirs != release)
            }
        }
        let rival = try #require(others.first { $0.name == "Rival Cameras plc" })
        let rivalPrincipal = try await store.systemPrincipal(for: rival)
        await #expect(throws: AccessError.self) {
            try await store.recordFirmwareAnalysis(model: "LC-200", version: "3.0.1", components: [], by: rivalPrincipal, origin: .commandLine) { _ in
                []
            }
        }
        #expect(try await store.findings(about: .release(release), organisation: lumen.id, for: principal).count == 4)
        #expect(try await store.components(model: "LC-200", version: "3.0.1", organisation: lumen.id, for: principal).count == 1)
    }
}

/// `bulwark gate`: a release policy over a built image, with SARIF for code-scanning tools.
@Suite struct GateCommandTests {
    @Test func failsOnDefaultPasswordsAndUnsignedImagesAndWritesSARIF() throws {
        let directory = try FirmwareCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try FirmwareCommandTests.buildImage(in: directory)
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let policy = try cli.write(
            "fail:\n  rules: [credentials.default-password]\n  unsigned-image: true\nwaive:\n  rules: [update.none]\n", name: "policy.yaml")
        let sarif = directory.appendingPathComponent("gate.sarif").path
        let html = directory.appendingPathComponent("gate.html").path
        let result = try cli.run(["gate", image, "--policy", policy, "--sarif", sarif, "--html", html], withDatabase: false)
        #expect(result.status == 1)
        // The page opens with the verdict, then the report; the violations are rows of their own.
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let verdict = try #require(page.range(of: "<h2 id=\"verdict\">Release gate</h2>"))
        #expect(page.range(of: "<h2 id=\"findings\">")!.lowerBound > verdict.upperBound)
        #expect(page.contains("<span class=\"badge bad\">FAIL</span> 2 violations of the release policy"))
        #expect(page.contains("<td><code>unsigned-image</code></td>"))
        #expect(page.contains("<code>credentials.default-password</code>"))
        #expect(result.stdout.contains("FAIL: 2 violations"))
        #expect(result.stdout.contains("[rule] /etc/shadow:1: credentials.default-password is not allowed"))
        #expect(result.stdout.contains("[unsigned-image] image: the image carries no recognised signature"))
        #expect(result.stdout.contains("1 waived"))
        let log = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sarif))) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 4)
        for result in results {
            let index = try #require(result["ruleIndex"] as? Int)
            #expect(rules[index]["id"] as? String == result["ruleId"] as? String)
        }
        let levels = Dictionary(results.map { ($0["ruleId"] as? String ?? "", $0["level"] as? String ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(
            levels == ["credentials.default-password": "error", "image.unsigned": "error", "services.telnet": "warning", "update.none": "warning"])
        let shadow = try #require(results.first { $0["ruleId"] as? String == "credentials.default-password" })
        let location = try #require(((shadow["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]))
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "rootfs.cpio.gz/etc/shadow")
        #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 1)
    }

    @Test func passesWhenThePolicyWaivesWhatIsFound() throws {
        let directory = try FirmwareCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try FirmwareCommandTests.buildImage(in: directory)
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let policy = try cli.write("fail:\n  severity: critical\nwaive:\n  rules: [\"credentials.*\"]\n", name: "policy.yaml")
        let result = try cli.run(["gate", image, "--policy", policy], withDatabase: false)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("PASS"))
        let broken = try cli.write("fail:\n  severity: catastrophic\n", name: "broken.yaml")
        let refused = try cli.run(["gate", image, "--policy", broken], withDatabase: false)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not a release policy: fail.severity"))
    }

    @Test func acceptsAnImageWhoseDetachedSignatureVerifies() throws {
        let directory = try FirmwareCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try FirmwareCommandTests.buildImage(in: directory)
        let key = directory.appendingPathComponent("vendor.pem").path
        let publicKey = directory.appendingPathComponent("vendor.pub.pem").path
        try FirmwareCommandTests.shell(
            "openssl genpkey -algorithm ed25519 -out '\(key)' && openssl pkey -in '\(key)' -pubout -out '\(publicKey)'"
                + " && openssl pkeyutl -sign -rawin -inkey '\(key)' -in '\(image)' -out '\(image).sig'")
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let policy = try cli.write("fail:\n  unsigned-image: true\n", name: "policy.yaml")
        let unsigned = try cli.run(["gate", image, "--policy", policy], withDatabase: false)
        #expect(unsigned.status == 1)
        let signed = try cli.run(["gate", image, "--policy", policy, "--public-key", publicKey], withDatabase: false)
        #expect(signed.status == 0, "\(signed.stdout)\(signed.stderr)")
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: image), options: .atomic)
        let tampered = try cli.run(["gate", image, "--policy", policy, "--public-key", publicKey], withDatabase: false)
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("image.signature-invalid") || tampered.stdout.contains("signature does not verify"))
    }

    @Test func failsOnAKnownExploitedComponentFromStoredAdvisories() throws {
        let directory = try FirmwareCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try FirmwareCommandTests.buildImage(in: directory, kernel: "5.15.148")
        let cli = try MatchCommandTests.demo()
        defer { cli.remove() }
        let policy = try cli.write("fail:\n  kev: true\n", name: "policy.yaml")
        let result = try cli.run(["gate", image, "--policy", policy])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("[kev] linux: linux 5.15.148 has CVE-2024-1086, which CISA lists as known exploited (due 2024-06-20)"))
        let patched = try FirmwareCommandTests.buildImage(in: directory.appendingPathComponent("patched"), kernel: "6.6.15")
        #expect(try cli.run(["gate", patched, "--policy", policy]).status == 0)
    }
}

struct CLITestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
