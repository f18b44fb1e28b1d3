import Foundation
import Testing

/// softflowd (Debian) turns each shared capture into NetFlow v9 and IPFIX exports; the same export goes once to
/// nfdump's nfcapd and once to `bulwark collect`, and the flow, packet and byte totals must agree.
extension NetworkProcessTests {
@Suite struct CollectorCrossCheckTests {
    static var sharedData: URL { TrafficCommandTests.sharedData }

    /// The programs the cross-check runs, or `nil` (after saying why) when they are missing outside CI.
    static func tools() -> (softflowd: String, nfcapd: String, nfdump: String)? {
        let found = ["softflowd", "nfcapd", "nfdump"].map { name in
            ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let softflowd = found[0], let nfcapd = found[1], let nfdump = found[2] else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("softflowd and nfdump are not installed (scripts/test.sh installs the Debian packages softflowd and nfdump)")
            } else {
                print("SKIPPED: collector cross-check against nfcapd; install the Debian packages softflowd and nfdump (scripts/test.sh does)")
            }
            return nil
        }
        return (softflowd, nfcapd, nfdump)
    }

    static func captures() throws -> [String] {
        let folder = sharedData.appendingPathComponent("pcap")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".pcap") }.sorted().map {
            folder.appendingPathComponent($0).path
        }
    }

    /// Runs a program to the end; its standard output.
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let (stdout, stderr) = PipeDrain.readBoth(out.fileHandleForReading, err.fileHandleForReading)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CollectorTestError("\(program) \(arguments.joined(separator: " ")) failed: \(String(decoding: stderr, as: UTF8.self))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// softflowd reading `capture` and exporting to 127.0.0.1:`port`; its pid file goes to `scratch`, and it opens no control socket (softflowd 1.1 waits on one given by path).
    static func replay(_ softflowd: String, _ capture: String, version: String, port: UInt16, scratch: URL) throws {
        try run(softflowd, [
            "-r", capture, "-n", "127.0.0.1:\(port)", "-v", version, "-d",
            "-p", scratch.appendingPathComponent("softflowd.pid").path, "-c", "none",
        ])
    }

    @Test(arguments: ["9", "10"]) func collectorAgreesWithNfcapdOnEverySharedCapture(version: String) throws {
        guard let tools = Self.tools() else { return }
        let captures = try Self.captures()
        #expect(captures.count >= 3)
        for capture in captures {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-crosscheck-\(UUID().uuidString)")
            let flowDirectory = scratch.appendingPathComponent("nfcapd")
            try FileManager.default.createDirectory(at: flowDirectory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }

            // nfcapd first: it gets the export, then has the whole of our run to read it before it is stopped.
            let nfcapdPort = try UDPSender.freeUDPPort()
            let nfcapd = try CleanSpawn.start(
                tools.nfcapd, ["-b", "127.0.0.1", "-p", String(nfcapdPort), "-w", flowDirectory.path, "-B", "8388608"],
                output: scratch.appendingPathComponent("nfcapd.log").path)
            try UDPSender.waitUntilBound(udpPort: nfcapdPort)
            try Self.replay(tools.softflowd, capture, version: version, port: nfcapdPort, scratch: scratch)

            let collector = try CollectorProcess.start()
            try Self.replay(tools.softflowd, capture, version: version, port: collector.port, scratch: scratch)
            let (lines, status, stderr) = collector.stop()
            CleanSpawn.stop(nfcapd)

            #expect(status == 0, "\(stderr)")
            let counters = try #require((lines.last?["summary"] as? [String: Any])?["counters"] as? [String: Any])
            let totals = try Self.run(tools.nfdump, ["-R", flowDirectory.path, "-I"])
            func total(_ name: String) -> Int? {
                totals.split(separator: "\n").first { $0.hasPrefix("\(name): ") }.flatMap { Int($0.dropFirst(name.count + 2)) }
            }
            let name = URL(fileURLWithPath: capture).lastPathComponent
            let flows = try #require(total("Flows"), "nfdump -I printed no flow total: \(totals)")
            #expect(flows > 0, "\(name) v\(version): nfcapd saw no flows")
            #expect(counters["records"] as? Int == flows, "\(name) v\(version): flows")
            #expect(counters["flows"] as? Int == flows, "\(name) v\(version): flows handed to the rules")
            #expect(counters["packets"] as? Int == total("Packets"), "\(name) v\(version): packets")
            #expect(counters["bytes"] as? Int == total("Bytes"), "\(name) v\(version): bytes")
            #expect(counters["drops"] as? Int == 0, "\(name) v\(version): drops")
            // softflowd 1.1 numbers its IPFIX messages in a way RFC 7011 §3.1 does not (nfcapd counts "sequence
            // failures" too): both collectors must flag the same messages, and nothing else may be bad.
            #expect(counters["badInput"] as? Int == total("Sequence failures"), "\(name) v\(version): bad input against nfcapd's sequence failures")
        }
    }
}
}
