import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `bulwark collect` as a running process: started on a free port, fed over UDP, stopped with SIGTERM.
///
/// Its output goes to files, not pipes: a long-lived child started while another test holds a pipe would inherit that
/// pipe and keep the other test waiting for its end.
struct CollectorProcess {
    let process: Process
    let output: URL
    let errors: URL
    /// The UDP port the collector bound.
    let port: UInt16

    /// Starts the collector on 127.0.0.1 and waits for the line that names its port.
    static func start(_ extra: [String] = [], database: String? = nil) throws -> CollectorProcess {
        let stem = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-collect-\(UUID().uuidString)")
        let output = stem.appendingPathExtension("out")
        let errors = stem.appendingPathExtension("err")
        guard FileManager.default.createFile(atPath: output.path, contents: nil), FileManager.default.createFile(atPath: errors.path, contents: nil)
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: stem.path]) }
        let process = Process()
        process.executableURL = BulwarkProcess.executable
        process.arguments = ["collect", "--listen", "127.0.0.1:0"] + extra + (database.map { ["--database", $0] } ?? [])
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        var text = ""
        while process.isRunning, !text.contains("\n") {
            usleep(20_000)
            text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        }
        text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        guard let range = text.range(of: "collecting on udp 127.0.0.1:"),
            let port = UInt16(text[range.upperBound...].prefix { $0.isNumber })
        else {
            process.terminate()
            throw CollectorTestError("the collector did not start: \(text)")
        }
        return CollectorProcess(process: process, output: output, errors: errors, port: port)
    }

    /// SIGTERM, then every JSON line it printed and its exit status.
    func stop() -> (lines: [[String: Any]], status: Int32, stderr: String) {
        process.terminate()
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        let stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let lines = stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return (lines, process.terminationStatus, (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }
}

/// The tests that start long-lived programs (collectors, nfcapd, servers in namespaces) take turns.
@Suite(.serialized) struct NetworkProcessTests {}

struct CollectorTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Sends datagrams to a loopback port.
enum UDPSender {
    static func send(_ datagrams: [[UInt8]], to port: UInt16) throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { throw CollectorTestError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        for datagram in datagrams {
            let sent = datagram.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            guard sent == datagram.count else { throw CollectorTestError("sendto failed: errno \(errno)") }
        }
    }

    /// A TCP port nobody listens on at the moment of asking.
    static func freeTCPPort() throws -> UInt16 { try freePort(datagram: false) }

    /// A UDP port nobody listens on at the moment of asking.
    static func freeUDPPort() throws -> UInt16 { try freePort(datagram: true) }

    static func freePort(datagram: Bool) throws -> UInt16 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32((datagram ? SOCK_DGRAM : SOCK_STREAM).rawValue), 0)
        #else
        let fd = socket(AF_INET, datagram ? SOCK_DGRAM : SOCK_STREAM, 0)
        #endif
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CollectorTestError("no free port: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Waits until some process has bound the UDP port on 127.0.0.1 (binding it ourselves then fails).
    static func waitUntilBound(udpPort: UInt16) throws {
        for _ in 0..<200 {
            #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            #else
            let fd = socket(AF_INET, SOCK_DGRAM, 0)
            #endif
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = udpPort.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let free = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if !free { return }
            usleep(50_000)
        }
        throw CollectorTestError("nothing bound udp port \(udpPort)")
    }

    /// One HTTP/1.1 GET on loopback, retried while the server is still starting; the whole response as text.
    static func httpGet(port: UInt16, path: String) throws -> String {
        for _ in 0..<200 {
            #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            guard connected else {
                usleep(50_000)
                continue
            }
            let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            return String(decoding: PipeDrain.readAll(FileHandle(fileDescriptor: fd, closeOnDealloc: false)), as: UTF8.self)
        }
        throw CollectorTestError("nothing answered on port \(port)")
    }

    /// A NetFlow v5 export message (Cisco's layout: 24-byte header, 48-byte records) of TCP flows.
    static func v5(sequence: UInt32, flows: [(source: UInt32, destination: UInt32, port: UInt16, packets: UInt32, bytes: UInt32, flags: UInt8)]) -> [UInt8] {
        var bytes: [UInt8] = []
        func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func u32(_ v: UInt32) { bytes += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        u16(5)
        u16(UInt16(flows.count))
        u32(60_000)
        u32(1_700_000_000)
        u32(0)
        u32(sequence)
        u32(0)
        for flow in flows {
            u32(flow.source)
            u32(flow.destination)
            u32(0)
            u32(0)
            u32(flow.packets)
            u32(flow.bytes)
            u32(10_000)
            u32(12_000)
            u16(41_000)
            u16(flow.port)
            bytes += [0, flow.flags, 6, 0]
            bytes += [UInt8](repeating: 0, count: 8)
        }
        return bytes
    }
}

extension NetworkProcessTests {
@Suite struct CollectCommandTests {
    /// Ten unanswered SYNs to port 23 of ten hosts in two messages, then one datagram of garbage.
    static let scan: [[UInt8]] = [
        UDPSender.v5(sequence: 0, flows: (1...5).map { (source: 0x0A00_0009, destination: 0xC633_6400 + $0, port: 23, packets: 2, bytes: 120, flags: 0x02) }),
        UDPSender.v5(sequence: 5, flows: (6...10).map { (source: 0x0A00_0009, destination: 0xC633_6400 + $0, port: 23, packets: 2, bytes: 120, flags: 0x02) }),
        [0x00, 0x0B, 0x00, 0x00],
    ]

    @Test func collectsExportsPrintsAlertsAsJSONLinesAndSummarisesOnSIGTERM() throws {
        let metricsPort = try UDPSender.freeTCPPort()
        let collector = try CollectorProcess.start(["--metrics", "127.0.0.1:\(metricsPort)"])
        try UDPSender.send(Self.scan, to: collector.port)
        let scrape = try UDPSender.httpGet(port: metricsPort, path: "/metrics")
        #expect(scrape.hasPrefix("HTTP/1.1 200"), "\(scrape)")
        #expect(scrape.contains("# TYPE bulwark_collector_drops_total counter"))
        let (lines, status, stderr) = collector.stop()
        #expect(stderr.contains("bulwark_collector_records_total 10\n"), "\(stderr)")
        #expect(stderr.contains("bulwark_collector_bad_input_total 1\n"))
        #expect(stderr.contains("bulwark_collector_drops_total 0\n"))
        #expect(status == 0, "\(stderr)")
        let alerts = lines.compactMap { $0["alert"] as? [String: Any] }
        #expect(alerts.compactMap { $0["rule"] as? String } == ["scan.horizontal"])
        #expect(alerts.first?["host"] as? String == "10.0.0.9")
        let summary = try #require(lines.last?["summary"] as? [String: Any])
        let counters = try #require(summary["counters"] as? [String: Any])
        #expect(counters["datagrams"] as? Int == 3)
        #expect(counters["records"] as? Int == 10)
        #expect(counters["flows"] as? Int == 10)
        #expect(counters["packets"] as? Int == 20)
        #expect(counters["bytes"] as? Int == 1200)
        #expect(counters["drops"] as? Int == 0)
        #expect(counters["sequenceGaps"] as? Int == 0)
        #expect((summary["badInput"] as? [String: Int])?["unsupported-version"] == 1)
        #expect(summary["alerts"] as? Int == 1)
    }

    /// A NetFlow v5 message of one TCP connection a minute from 10.0.0.7 to 198.51.100.20:443, `count` of them from `first`.
    static func beacon(sequence: UInt32, first: Int, count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func u32(_ v: UInt32) { bytes += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        u16(5)
        u16(UInt16(count))
        u32(10_000_000)  // exporter uptime, ms
        u32(1_700_000_000)
        u32(0)
        u32(sequence)
        u32(0)
        for k in first..<(first + count) {
            u32(0x0A00_0007)
            u32(0xC633_6414)
            u32(0)
            u32(0)
            u32(4)
            u32(400)
            u32(UInt32(k) * 60_000)  // first packet, ms of uptime: one a minute
            u32(UInt32(k) * 60_000 + 800)
            u16(UInt16(40_000 + k))
            u16(443)
            bytes += [0, 0x1B, 6, 0]  // SYN, PSH, ACK: an established connection
            bytes += [UInt8](repeating: 0, count: 8)
        }
        return bytes
    }

    @Test func raisesABeaconWhileCollectingNotOnlyWhenStopped() throws {
        let collector = try CollectorProcess.start()
        // 21 connections make the 20 intervals the rule needs; 30 more follow.
        try UDPSender.send([Self.beacon(sequence: 0, first: 0, count: 21)], to: collector.port)
        var seen = ""
        for _ in 0..<600 where !seen.contains("c2.beacon") {
            usleep(50_000)
            seen = (try? String(contentsOf: collector.output, encoding: .utf8)) ?? ""
        }
        #expect(collector.process.isRunning, "the collector is still running when the beacon alert is read")
        let early = seen.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let alert = try #require(early.compactMap { $0["alert"] as? [String: Any] }.first { $0["rule"] as? String == "c2.beacon" })
        #expect(alert["host"] as? String == "10.0.0.7")
        #expect(alert["target"] as? String == "198.51.100.20:443")
        #expect(alert["evidenceCount"] as? Int == 21)
        try UDPSender.send([Self.beacon(sequence: 21, first: 21, count: 30)], to: collector.port)
        let (lines, status, stderr) = collector.stop()
        #expect(status == 0, "\(stderr)")
        #expect(lines.compactMap { ($0["alert"] as? [String: Any])?["rule"] as? String } == ["c2.beacon"], "reported once, when it first fired")
        let summary = try #require(lines.last?["summary"] as? [String: Any])
        #expect((summary["counters"] as? [String: Any])?["records"] as? Int == 51)
        #expect(summary["alerts"] as? Int == 1)
    }

    @Test func storesTheAlertsAsFindingsOfTheOrganisation() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        #expect(try cli.run(["org", "create", "Harbourside", "--kind", "operator"]).status == 0)
        let collector = try CollectorProcess.start(["--org", "Harbourside"], database: cli.database)
        try UDPSender.send(Self.scan, to: collector.port)
        let (lines, status, stderr) = collector.stop()
        #expect(status == 0, "\(stderr)")
        #expect((lines.last?["summary"] as? [String: Any])?["stored"] as? Int == 1)
        let missing = try cli.run(["collect", "--listen", "127.0.0.1:0", "--duration", "1", "--org", "Nobody"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no organisation named \"Nobody\""))
    }

    @Test func refusesAnAddressItCannotListenOn() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let result = try cli.run(["collect", "--listen", "localhost", "--duration", "1"], withDatabase: false)
        #expect(result.status != 0)
        #expect(result.stderr.contains("localhost is not an address to listen on; give HOST:PORT"))
    }
}
}

/// Starts a long-lived program with no signals blocked.
///
/// Foundation's `Process` spawns from a worker thread whose blocked-signal mask the child inherits; nfcapd and Python
/// then never see the SIGTERM that should stop them. posix_spawn with an empty mask and default dispositions avoids it.
enum CleanSpawn {
    static func start(_ program: String, _ arguments: [String], output: String) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let code = posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        guard code == 0 else { throw CollectorTestError("cannot start \(program): \(String(cString: strerror(code)))") }
        return pid
    }

    static func isRunning(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 }

    /// SIGTERM, then waits for the end; the wait status.
    @discardableResult
    static func stop(_ pid: pid_t) -> Int32 {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return status
    }
}
