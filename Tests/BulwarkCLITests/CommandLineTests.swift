import BulwarkStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the real `bulwark` executable, as a script or a person would, against a fresh SQLite file.
struct BulwarkProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let database: String

    static func make() -> BulwarkProcess {
        BulwarkProcess(database: FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-cli-\(UUID().uuidString).sqlite").path)
    }

    /// The executable built beside the test bundle (`swift build --build-tests` builds both).
    static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/", !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("bulwark").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("bulwark")
    }

    func run(_ arguments: [String], input: String? = nil, withDatabase: Bool = true) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + (withDatabase ? ["--database", database] : [])
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let (stdout, stderr) = PipeDrain.readBoth(out.fileHandleForReading, err.fileHandleForReading)
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Input files live in a directory beside the database, so ``remove()`` takes them away with it.
    var files: String { database + "-files" }

    func write(_ text: String, name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        let path = files + "/\(UUID().uuidString)-\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func remove() {
        for suffix in ["", "-wal", "-shm", "-ledger", "-ledger-nodes", "-files"] { try? FileManager.default.removeItem(atPath: database + suffix) }
    }
}

@Suite struct CommandLineTests {
    static let fleetCSV = """
        serial,model,product_name,manufacturer,firmware,released_on,support_until,site,segment,internet_exposed,ip,mac,credential_state
        CAM-1,LC-200,Lumen Cam 200,Lumen,2.1.0,2021-04-01,2024-04-01,Leeds,cctv,true,10.0.0.1,3c:71:bf:00:00:01,default
        CAM-2,LC-200,Lumen Cam 200,Lumen,3.2.0,2025-08-01,2030-08-01,Leeds,cctv,true,10.0.0.2,3c:71:bf:00:00:02,changed
        PLUG-1,LP-10,Lumen Plug,Lumen,3.2.0,2025-08-01,2030-08-01,Leeds,office,false,10.0.1.1,3c:71:bf:00:01:01,changed

        """

    @Test func everyCommandsHelpTeachesWithAnExample() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let commands = [
            ["serve"], ["demo"], ["migrate"], ["org", "create"], ["org", "list"], ["org", "share"], ["user", "create"], ["token", "create"],
            ["token", "revoke"], ["token", "list"], ["import", "inventory"], ["devices", "list"], ["feeds", "import"], ["feeds", "status"],
            ["sbom", "import"], ["blast-radius"], ["cvss"], ["version", "compare"], ["vulns", "match"], ["vulns", "list"], ["vulns", "updates"],
            ["vex", "set"], ["vex", "list"], ["vex", "export"],
            ["ledger"], ["ledger", "append"], ["ledger", "checkpoint"], ["ledger", "prove"], ["ledger", "verify"],
            ["traffic", "analyze"], ["collect"], ["mud", "check"], ["mud", "generate"], ["quarantine", "plan"], ["quarantine", "apply"],
            ["quarantine", "rollback"], ["firmware", "analyze"], ["firmware", "keys"], ["gate"],
        ]
        for command in commands {
            let result = try cli.run(command + ["--help"], withDatabase: false)
            #expect(result.status == 0, "bulwark \(command.joined(separator: " ")) --help failed")
            #expect(result.stdout.contains("Example"), "bulwark \(command.joined(separator: " ")) --help has no example")
            #expect(result.stdout.contains("bulwark \(command.joined(separator: " "))"), "the example should show the command itself")
        }
    }

    @Test func importsTheSameFileTwiceAndTheSecondTimeChangesNothing() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        #expect(try cli.run(["org", "create", "Harbourside", "--kind", "operator"]).status == 0)
        let file = try cli.write(Self.fleetCSV, name: "fleet.csv")
        let first = try cli.run(["import", "inventory", file, "--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect(report?["devicesCreated"] as? Int == 3)
        #expect(report?["productsCreated"] as? Int == 2)
        #expect(report?["segmentsCreated"] as? Int == 2)
        let second = try cli.run(["import", "inventory", file])
        #expect(second.stdout.hasPrefix("Harbourside: 0 devices created, 0 updated, 3 unchanged"))
    }

    @Test func aBadRowFailsWithItsLineAndFieldAndImportsNothing() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        _ = try cli.run(["org", "create", "Harbourside", "--kind", "operator"])
        let broken = Self.fleetCSV.replacingOccurrences(of: "10.0.1.1,", with: "10.0.1.999,")
        let result = try cli.run(["import", "inventory", try cli.write(broken, name: "broken.csv")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("broken.csv:4: field 'ip': \"10.0.1.999\" is not an IPv4 or IPv6 address; nothing was imported"))
        #expect(result.stderr.split(separator: "\n").count == 1, "the error is one line: \(result.stderr)")
        let list = try cli.run(["devices", "list", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        #expect(json?["total"] as? Int == 0)
    }

    @Test func listsDevicesFilteredAsJSONForScripts() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        _ = try cli.run(["org", "create", "Harbourside", "--kind", "operator"])
        _ = try cli.run(["import", "inventory", try cli.write(Self.fleetCSV, name: "fleet.csv")])
        let exposedDefaults = try cli.run(["devices", "list", "--credential", "default", "--exposed", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(exposedDefaults.stdout.utf8)) as? [String: Any]
        #expect(json?["total"] as? Int == 1)
        #expect(((json?["devices"] as? [[String: Any]])?.first)?["serial"] as? String == "CAM-1")
        let internalOnly = try cli.run(["devices", "list", "--no-exposed"])
        #expect(internalOnly.stdout.contains("PLUG-1"))
        #expect(!internalOnly.stdout.contains("CAM-1"))
    }

    @Test func createsAUserFromAPipedPasswordAndRefusesAShortOne() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        _ = try cli.run(["org", "create", "Harbourside", "--kind", "operator"])
        let short = try cli.run(
            ["user", "create", "--email", "ana@example.com", "--name", "Ana", "--role", "analyst", "--bcrypt-cost", "4"], input: "short\n")
        #expect(short.status != 0)
        #expect(short.stderr.contains("password refused: use at least 12 characters"))
        let ok = try cli.run(
            ["user", "create", "--email", "Ana@Example.com", "--name", "Ana", "--role", "analyst", "--bcrypt-cost", "4"],
            input: "a long enough passphrase\n")
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout == "created analyst ana@example.com in Harbourside\n")
    }

    @Test func createsAndRevokesATokenShowingTheSecretOnlyOnce() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        _ = try cli.run(["org", "create", "Harbourside", "--kind", "operator"])
        let created = try cli.run(["token", "create", "--name", "collector", "--role", "analyst", "--format", "json"])
        let token = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        let secret = try #require(token?["secret"] as? String)
        let id = try #require(token?["id"] as? String)
        #expect(secret.hasPrefix("bwk_") && secret.count == 47)
        let listed = try cli.run(["token", "list", "--format", "json"])
        #expect(!listed.stdout.contains(secret), "a listing must never show the secret")
        #expect(listed.stdout.contains(String(secret.prefix(10))))
        #expect(try cli.run(["token", "revoke", id]).stdout == "revoked \(id)\n")
        let after = try cli.run(["token", "list"])
        #expect(after.stdout.split(separator: "\n").last?.contains("Z") == true, "the revoked token shows its revocation time")
    }

    @Test func severalOrganisationsNeedAnExplicitOrg() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        _ = try cli.run(["org", "create", "Alpha", "--kind", "operator"])
        _ = try cli.run(["org", "create", "Bravo", "--kind", "operator"])
        let result = try cli.run(["devices", "list"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("several organisations exist; pick one with --org (Alpha, Bravo)"))
    }

    @Test func migrateReportsTheSchemaVersion() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let first = try cli.run(["migrate"])
        #expect(first.stdout.contains("applied 1: organisations, users, tokens, sessions, audit log"))
        let newest = try #require(Schema.migrations.map(\.version).max())
        #expect(first.stdout.contains("schema version \(newest) (sqlite"))
        let second = try cli.run(["migrate"])
        #expect(!second.stdout.contains("applied"))
    }

    @Test func aMissingFileAndABadDatabaseURLAreExplained() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        _ = try cli.run(["org", "create", "Alpha", "--kind", "operator"])
        let missing = try cli.run(["import", "inventory", "/nonexistent/fleet.csv"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot open /nonexistent/fleet.csv"))
        let badURL = try cli.run(["devices", "list", "--database", "/nonexistent-dir/x.sqlite"], withDatabase: false)
        #expect(badURL.status != 0)
        #expect(badURL.stderr.contains("directory /nonexistent-dir does not exist"))
    }

    @Test func serveAnswersHealthAndStopsCleanlyOnSIGTERM() async throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let port = Int.random(in: 20_000...40_000)
        let process = Process()
        process.executableURL = BulwarkProcess.executable
        process.arguments = ["serve", "--port", String(port), "--database", cli.database, "--bcrypt-cost", "4"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var healthy = false
        for _ in 0..<100 where !healthy {
            try await Task.sleep(for: .milliseconds(100))
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            probe.arguments = ["curl", "-sf", "http://127.0.0.1:\(port)/health"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            try probe.run()
            probe.waitUntilExit()
            healthy = probe.terminationStatus == 0
        }
        #expect(healthy, "the server never answered /health")
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        let log = String(decoding: PipeDrain.readAll(err.fileHandleForReading), as: UTF8.self)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(log.contains("Bulwark stopped."))
    }

    static var kevFile: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data/kev/known_exploited_vulnerabilities.json").path
    }

    @Test func importsTheKEVCatalogueAndAReimportChangesNothing() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let first = try cli.run(["feeds", "import", "kev", Self.kevFile])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "cisa-kev: 1404 records read, 1404 new or changed, 0 unchanged\n")
        let second = try cli.run(["feeds", "import", "kev", Self.kevFile, "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any]
        #expect(report?["changed"] as? Int == 0)
        #expect(report?["seen"] as? Int == 1404)
    }

    @Test func reportsAMalformedOSVRecordByPathAndStrictStopsWithNothingStored() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("osv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try #"{"id": "OSV-1", "modified": "2025-01-01T00:00:00Z", "affected": [{"package": {"name": "busybox", "ecosystem": "Alpine:v3.18"}}]}"#
            .write(to: directory.appendingPathComponent("a.json"), atomically: true, encoding: .utf8)
        try #"{"id": "OSV-2", "modified": 12}"#.write(to: directory.appendingPathComponent("b.json"), atomically: true, encoding: .utf8)
        let lenient = try cli.run(["feeds", "import", "osv", directory.path])
        #expect(lenient.status == 0)
        #expect(lenient.stdout == "osv: 1 records read, 1 new or changed, 0 unchanged, 1 malformed skipped\n")
        #expect(lenient.stderr.contains("b.json: $.modified: expected a string"))
        let other = BulwarkProcess.make()
        defer { other.remove() }
        let strict = try other.run(["feeds", "import", "osv", directory.path, "--strict"])
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("b.json: $.modified: expected a string"))
        let status = try other.run(["feeds", "status", "--format", "json"])
        let counts = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Int]
        #expect(counts == [:], "a strict import that stopped must store nothing")
    }

    @Test func downloadsAFeedFromAURL() async throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let directory = URL(fileURLWithPath: Self.kevFile).deletingLastPathComponent()
        let port = Int.random(in: 41_000...49_000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory.path]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        var result = try cli.run(["feeds", "import", "kev", "http://127.0.0.1:\(port)/known_exploited_vulnerabilities.json"])
        for _ in 0..<30 where result.status != 0 {
            try await Task.sleep(for: .milliseconds(200))
            result = try cli.run(["feeds", "import", "kev", "http://127.0.0.1:\(port)/known_exploited_vulnerabilities.json"])
        }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("cisa-kev: 1404 records read"))
        let missing = try cli.run(["feeds", "import", "kev", "http://127.0.0.1:\(port)/nothing-here.json"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("HTTP 404"))
    }

    @Test func importsAnSBOMAsAReleasesComponentsAndRefusesABrokenOne() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        _ = try cli.run(["org", "create", "Lumen", "--kind", "manufacturer"])
        _ = try cli.run(["import", "inventory", try cli.write("serial,model,firmware\nLAB-1,LC-200,3.2.0\n", name: "lab.csv")])
        let sbom = """
            {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
              {"type": "library", "name": "busybox", "version": "1.36.1", "purl": "pkg:generic/busybox@1.36.1"},
              {"type": "library", "name": "openssl", "version": "3.0.13", "cpe": "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"},
              {"type": "library", "name": "busybox", "version": "1.36.1", "purl": "pkg:generic/busybox@1.36.1"}]}
            """
        let result = try cli.run(["sbom", "import", try cli.write(sbom, name: "fw.cdx.json"), "--product", "LC-200", "--release", "3.2.0"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "LC-200 3.2.0: 2 components from CycloneDX 1.6 (1 with purl, 1 with CPE only)\n")
        let broken = sbom.replacingOccurrences(of: "\"type\": \"library\", \"name\": \"openssl\"", with: "\"type\": \"lib\", \"name\": \"openssl\"")
        let refused = try cli.run(["sbom", "import", try cli.write(broken, name: "broken.cdx.json"), "--product", "LC-200", "--release", "3.2.0"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("broken.cdx.json: $.components[1].type: \"lib\" is not a component type"))
        let unknown = try cli.run(["sbom", "import", try cli.write(sbom, name: "fw2.cdx.json"), "--product", "LC-200", "--release", "9.9.9"])
        #expect(unknown.stderr.contains("release 9.9.9 of LC-200 was not found"))
    }

    @Test func blastRadiusOfTheDemoTrunksOldBusyboxReachesEveryProductLine() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--no-serve", "--bcrypt-cost", "4", "--password", "demo-password-for-tests"]).status == 0)
        let result = try cli.run(["blast-radius", "pkg:generic/busybox@1.29.3", "--org", "Lumen Devices Ltd", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let tree = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let lines = try #require(tree["productLines"] as? [[String: Any]])
        #expect(lines.compactMap { $0["name"] as? String } == ["Cameras", "Smart plugs", "Thermostats"])
        #expect(Set(lines.compactMap { $0["trunk"] as? String }) == ["lumen-os"])
        let fleet = try cli.run(["blast-radius", "busybox@1.29.3", "--org", "Harbourside Retail Group"])
        let firstLine = try #require(fleet.stdout.split(separator: "\n").first)
        #expect(firstLine.hasPrefix("busybox@1.29.3 in Harbourside Retail Group: 1 product lines, 4 products, 4 releases, "))
        let operatorDevices = try cli.run(["devices", "list", "--org", "Harbourside Retail Group", "--all", "--format", "json"])
        let all = try #require(try JSONSerialization.jsonObject(with: Data(operatorDevices.stdout.utf8)) as? [String: Any])
        let onOldest = (all["devices"] as? [[String: Any]] ?? []).filter { $0["firmwareVersion"] as? String == "2.1.0" }.count
        #expect(onOldest > 0)
        #expect(firstLine.hasSuffix("\(onOldest) deployed devices"), "the devices on 2.1.0 are the ones carrying busybox 1.29.3")
    }
}

/// Reads a pipe to its end, retrying reads a signal interrupted (Foundation's `readDataToEndOfFile` traps on EINTR).
enum PipeDrain {
    static func readAll(_ handle: FileHandle) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let descriptor = handle.fileDescriptor
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }

    /// One read of whatever is available (blocking until something is), retrying after EINTR; empty at end of file.
    static func readSome(_ handle: FileHandle) -> Data {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return Data(buffer[0..<count]) }
            if errno != EINTR { return Data() }
        }
    }

    /// Writes all of `data`, retrying after EINTR and short writes.
    static func writeAll(_ handle: FileHandle, _ data: Data) {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { write(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                offset += count
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// Reads standard output and standard error at the same time, so a child that fills one pipe cannot block on it.
    static func readBoth(_ out: FileHandle, _ err: FileHandle) -> (Data, Data) {
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            errorData = readAll(err)
            group.leave()
        }
        let outputData = readAll(out)
        group.wait()
        return (outputData, errorData)
    }
}
