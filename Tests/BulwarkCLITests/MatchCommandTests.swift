import Foundation
import Testing

/// `bulwark vulns` and `bulwark vex` on the demo world, whose advisories are abridged real NVD records.
@Suite struct MatchCommandTests {
    static let sbom = """
        {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
          {"type": "application", "bom-ref": "bb", "name": "busybox", "version": "1.35.0", "purl": "pkg:generic/busybox@1.35.0",
           "cpe": "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*"},
          {"type": "library", "name": "openssl", "version": "1.1.1k", "cpe": "cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*"},
          {"type": "operating-system", "name": "linux", "version": "5.15.148", "cpe": "cpe:2.3:o:linux:linux_kernel:5.15.148:*:*:*:*:*:*:*"},
          {"type": "library", "name": "zlib", "version": "1.3.1", "purl": "pkg:generic/zlib@1.3.1"}]}
        """

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func demo() throws -> BulwarkProcess {
        let cli = BulwarkProcess.make()
        let demo = try cli.run(["demo", "--no-serve", "--bcrypt-cost", "4", "--password", "demo-password-for-tests"])
        #expect(demo.status == 0, "\(demo.stderr)")
        return cli
    }

    @Test func matchesAnSBOMWithReasonsKEVAndPriority() throws {
        let cli = try Self.demo()
        defer { cli.remove() }
        let file = try cli.write(Self.sbom, name: "fw.cdx.json")
        let result = try cli.run(["vulns", "match", "--sbom", file, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let matches = try #require(try Self.json(result.stdout)["matches"] as? [[String: Any]])
        #expect(matches.compactMap { $0["advisoryID"] as? String } == ["CVE-2024-1086", "CVE-2021-3711", "CVE-2022-28391", "CVE-2022-0778", "CVE-2023-0286"])
        let kernel = matches[0]
        #expect((kernel["kev"] as? [String: Any])?["dueDate"] as? String == "2024-06-20")
        #expect(kernel["confidence"] as? String == "high")
        let reason = try #require(kernel["reason"] as? [String: Any])
        #expect(reason["rule"] as? String == "cpe")
        #expect(reason["range"] as? String == ">= 3.15, < 5.15.149")
        #expect((reason["explanation"] as? String)?.contains("vendor linux and product linux_kernel") == true)

        let table = try cli.run(["vulns", "match", "--sbom", file, "--explain"])
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("PRIORITY") == true)
        #expect(lines[1].hasPrefix("act now   CVE-2024-1086"))
        #expect(table.stdout.contains("5 matches in 4 components"))
        #expect(table.stdout.contains("Why:\n  CVE-2024-1086 in linux 5.15.148: the component's CPE names vendor linux"))

        let failing = try cli.run(["vulns", "match", "--sbom", file, "--fail-on", "act-now"])
        #expect(failing.status == 1)
        #expect(failing.stderr.contains("1 matches at or above act-now priority"))
        let clean = try cli.write(Self.sbom.replacingOccurrences(of: "5.15.148", with: "6.6.15"), name: "clean.cdx.json")
        #expect(try cli.run(["vulns", "match", "--sbom", clean, "--fail-on", "act-now"]).status == 0)
    }

    @Test func writesValidSARIF() throws {
        let cli = try Self.demo()
        defer { cli.remove() }
        let file = try cli.write(Self.sbom, name: "fw.cdx.json")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).sarif").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try cli.run(["vulns", "match", "--sbom", file, "--format", "sarif", "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let log = try Self.json(try String(contentsOfFile: output, encoding: .utf8))
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "Bulwark")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 5)
        for result in results {
            let index = try #require(result["ruleIndex"] as? Int)
            #expect(rules[index]["id"] as? String == result["ruleId"] as? String, "ruleIndex points at the rule named by ruleId")
            #expect(["error", "warning", "note"].contains(result["level"] as? String ?? ""))
            #expect(((result["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            let location = try #require((result["locations"] as? [[String: Any]])?.first)
            #expect(((location["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"] as? String == file)
        }
        #expect(results.first?["level"] as? String == "error")
        #expect((rules.first { $0["id"] as? String == "CVE-2021-3711" }?["properties"] as? [String: Any])?["security-severity"] as? String == "9.8")
    }

    @Test func vexStatementsFlowIntoCycloneDXAndCSAF() throws {
        let cli = try Self.demo()
        defer { cli.remove() }
        let org = ["--org", "Lumen Devices Ltd"]
        let refused = try cli.run(["vex", "set", "CVE-2022-28391", "--component", "pkg:generic/busybox@1.35.0", "--status", "not_affected"] + org)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not_affected needs a justification"))
        let set = try cli.run(
            [
                "vex", "set", "CVE-2022-28391", "--component", "pkg:generic/busybox@1.35.0", "--status", "not_affected", "--justification",
                "vulnerable_code_not_present", "--detail", "netstat is not built into this busybox",
            ] + org)
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout == "CVE-2022-28391 in pkg:generic/busybox@1.35.0: not_affected\n")
        let affected = try cli.run(
            ["vex", "set", "CVE-2024-1086", "--component", "pkg:generic/linux@5.10.120", "--status", "affected", "--detail", "Update to 3.2.0."] + org)
        #expect(affected.status == 0, "\(affected.stderr)")

        let cdx = try cli.run(["vex", "export", "--product", "LC-200", "--release", "3.0.1", "--format", "cyclonedx"] + org)
        #expect(cdx.status == 0, "\(cdx.stderr)")
        let bom = try Self.json(cdx.stdout)
        #expect(bom["specVersion"] as? String == "1.6")
        let vulnerabilities = try #require(bom["vulnerabilities"] as? [[String: Any]])
        let states = Dictionary(
            uniqueKeysWithValues: vulnerabilities.map { ($0["id"] as? String ?? "", ($0["analysis"] as? [String: Any])?["state"] as? String ?? "") })
        #expect(states == ["CVE-2022-28391": "not_affected", "CVE-2024-1086": "exploitable"])
        if let problem = try CycloneDXSchema.violations(of: cdx.stdout) { Issue.record("CycloneDX 1.6 schema: \(problem)") }

        let csaf = try cli.run(
            ["vex", "export", "--product", "LC-200", "--release", "3.0.1", "--format", "csaf", "--publisher-namespace", "https://lumen.example"] + org)
        #expect(csaf.status == 0, "\(csaf.stderr)")
        let document = try Self.json(csaf.stdout)
        let header = try #require(document["document"] as? [String: Any])
        #expect(header["category"] as? String == "csaf_vex")
        #expect(header["csaf_version"] as? String == "2.0")
        #expect((header["publisher"] as? [String: Any])?["category"] as? String == "vendor")
        let tracking = try #require(header["tracking"] as? [String: Any])
        for field in ["id", "status", "version", "initial_release_date", "current_release_date", "revision_history"] {
            #expect(tracking[field] != nil, "tracking.\(field) is required")
        }
        let products = try #require((document["product_tree"] as? [String: Any])?["full_product_names"] as? [[String: Any]])
        let productIDs = Set(products.compactMap { $0["product_id"] as? String })
        let entries = try #require(document["vulnerabilities"] as? [[String: Any]])
        #expect(entries.count == 2)
        for entry in entries {
            let status = try #require(entry["product_status"] as? [String: [String]])
            #expect(Set(status.values.flatMap { $0 }).isSubset(of: productIDs))
            #expect((entry["notes"] as? [Any])?.isEmpty == false, "the VEX profile asks for notes")
            if let notAffected = status["known_not_affected"] {
                let impact = (entry["threats"] as? [[String: Any]] ?? []).filter { $0["category"] as? String == "impact" }
                #expect(Set(notAffected).isSubset(of: Set(impact.flatMap { $0["product_ids"] as? [String] ?? [] })))
                #expect((entry["flags"] as? [[String: Any]])?.first?["label"] as? String == "vulnerable_code_not_present")
            }
            if let affected = status["known_affected"] {
                let remediations = entry["remediations"] as? [[String: Any]] ?? []
                #expect(Set(affected).isSubset(of: Set(remediations.flatMap { $0["product_ids"] as? [String] ?? [] })))
            }
        }
        let listed = try cli.run(["vex", "list", "--format", "json"] + org)
        #expect((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [Any])?.count == 2)
        let wrong = try cli.run(["vex", "export", "--product", "LC-200", "--release", "9.9"] + org)
        #expect(wrong.stderr.contains("Lumen Devices Ltd has no release 9.9 of LC-200; its releases are 2.1.0, 2.4.2, 3.0.1, 3.2.0"))
    }

    @Test func updatesSayWhichDevicesMustUpdateAndWhy() throws {
        let cli = try Self.demo()
        defer { cli.remove() }
        let result = try cli.run(["vulns", "updates", "--org", "Harbourside Retail Group", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 16)
        for row in rows {
            let advice = try #require(row["advice"] as? [String: Any])
            switch row["release"] as? String {
            case "3.2.0":
                #expect(advice["status"] as? String == "no_update_available")
                #expect(advice["known"] as? [String] == ["CVE-2024-1086"])
            case "2.1.0":
                #expect(advice["status"] as? String == "update_required")
                #expect(advice["recommendedRelease"] as? String == "3.2.0")
                #expect(advice["pastSupport"] as? Bool == true)
            default:
                #expect(advice["status"] as? String == "update_required")
            }
        }
        let list = try cli.run(["vulns", "list", "--org", "Harbourside Retail Group"])
        #expect(list.stdout.split(separator: "\n")[1].hasPrefix("act now   CVE-2024-1086"))
        #expect(list.stdout.contains("6 open vulnerabilities in Harbourside Retail Group"))
    }
}

extension MatchCommandTests {
    @Test func theDemosFindingsAreProvableAtOnce() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("demo-keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let demo = try cli.run(["demo", "--no-serve", "--bcrypt-cost", "4", "--password", "demo-password-for-tests", "--key-dir", keys])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("Evidence ledger: checkpoint of "))
        let bundle = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).proof.json").path
        defer { try? FileManager.default.removeItem(atPath: bundle) }
        let prove = try cli.run(["ledger", "prove", "0", "--output", bundle, "--org", "Harbourside Retail Group"])
        #expect(prove.status == 0, "\(prove.stderr)")
        let verify = try cli.run(["ledger", "verify", bundle, "--key", "\(keys)/bulwark.local_ledger.pub"], withDatabase: false)
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func blastRadiusByAdvisoryAndByVersionRange() throws {
        let cli = try Self.demo()
        defer { cli.remove() }
        let kernel = try cli.run(["blast-radius", "CVE-2024-1086", "--org", "Lumen Devices Ltd"])
        #expect(kernel.status == 0, "\(kernel.stderr)")
        #expect(kernel.stdout.hasPrefix("CVE-2024-1086 in Lumen Devices Ltd: 3 product lines, 4 products, 16 releases, "))
        let old = try cli.run(["blast-radius", "busybox@<1.36", "--org", "Lumen Devices Ltd", "--format", "json"])
        let tree = try Self.json(old.stdout)
        let releases = (tree["productLines"] as? [[String: Any]] ?? []).flatMap { ($0["products"] as? [[String: Any]]) ?? [] }
            .flatMap { ($0["releases"] as? [[String: Any]]) ?? [] }
        #expect(Set(releases.compactMap { $0["version"] as? String }) == ["2.1.0", "2.4.2", "3.0.1"])
        #expect(releases.count == 12)
        let fixed = try cli.run(["blast-radius", "CVE-2021-3711", "--org", "Lumen Devices Ltd"])
        #expect(fixed.stdout.hasPrefix("CVE-2021-3711 in Lumen Devices Ltd: 3 product lines, 4 products, 4 releases, "))
        let unknown = try cli.run(["blast-radius", "CVE-1999-0001", "--org", "Lumen Devices Ltd"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("advisory CVE-1999-0001 (import its feed first) was not found"))
        let badRange = try cli.run(["blast-radius", "busybox@<", "--org", "Lumen Devices Ltd"])
        #expect(badRange.stderr.contains("is not a version range"))
    }
}

/// The official CycloneDX JSON schema, through the PyPI `cyclonedx-python-lib` (which ships it). In CI a missing package
/// fails the test (scripts/test.sh installs it); locally the check is skipped with a message.
enum CycloneDXSchema {
    static let script = """
        import sys
        from cyclonedx.validation.json import JsonStrictValidator
        from cyclonedx.schema import SchemaVersion
        error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(sys.stdin.read())
        if error:
            print(error)
            sys.exit(1)
        """

    /// The schema's complaint, or `nil` when the document validates.
    static func violations(of document: String) throws -> String? {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import cyclonedx.validation.json"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            if ProcessInfo.processInfo.environment["CI"] != nil { return "cyclonedx-python-lib is not installed (scripts/test.sh installs it)" }
            print("SKIPPED: CycloneDX schema validation; run `pip install 'cyclonedx-python-lib[json-validation]'` (scripts/test.sh does)")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe()
        let out = Pipe()
        let err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        input.fileHandleForWriting.write(Data(document.utf8))
        try input.fileHandleForWriting.close()
        let (stdout, stderr) = PipeDrain.readBoth(out.fileHandleForReading, err.fileHandleForReading)
        process.waitUntilExit()
        guard process.terminationStatus != 0 else { return nil }
        return String(decoding: stdout + stderr, as: UTF8.self)
    }
}
