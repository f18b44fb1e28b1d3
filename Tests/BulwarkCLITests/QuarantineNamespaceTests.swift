import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `bulwark quarantine apply|rollback` in two network namespaces the test makes and joins with a veth pair: a
/// gateway (10.231.x.1, where the rules go) and a device (10.231.x.2). The gateway listens on two TCP ports; the plan
/// allows one of them.
extension NetworkProcessTests {
@Suite struct QuarantineNamespaceTests {
    static func program(_ name: String) -> String? {
        ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/bin"].map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// ip, nft and python3 when running as root; otherwise `nil` after saying why (a failure in CI).
    static func tools() -> (ip: String, python: String)? {
        let ip = program("ip")
        let nft = program("nft")
        let python = program("python3")
        guard getuid() == 0, let ip, nft != nil, let python else {
            let why = getuid() != 0 ? "not running as root" : "ip, nft or python3 is missing (Debian iproute2, nftables, python3)"
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("quarantine in network namespaces cannot run: \(why); scripts/test.sh runs as root and installs them")
            } else {
                print("SKIPPED: quarantine apply/rollback in network namespaces: \(why)")
            }
            return nil
        }
        return (ip, python)
    }

    @discardableResult
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
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
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static let server = """
        import select, socket, sys
        listeners = []
        for port in (8443, 8080):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], port)); s.listen(64); listeners.append(s)
        print("ready", flush=True)
        while True:
            ready, _, _ = select.select(listeners, [], [])
            for s in ready:
                connection, _ = s.accept(); connection.close()
        """

    @Test func appliedPlanDropsBlockedTrafficPassesAllowedTrafficAndRollsBack() throws {
        guard let tools = Self.tools() else { return }
        let tag = String(UInt32.random(in: 0..<0xFFFFFF), radix: 16)
        let subnet = Int.random(in: 1...254)
        let gateway = "bwq-gw-\(tag)"
        let device = "bwq-dev-\(tag)"
        let (gatewayAddress, deviceAddress) = ("10.231.\(subnet).1", "10.231.\(subnet).2")
        let ip = tools.ip
        func must(_ arguments: [String]) throws {
            let result = try Self.run(ip, arguments)
            guard result.status == 0 else { throw CollectorTestError("ip \(arguments.joined(separator: " ")): \(result.stderr)") }
        }
        try must(["netns", "add", gateway])
        defer { try? Self.run(ip, ["netns", "del", gateway]) }
        try must(["netns", "add", device])
        defer { try? Self.run(ip, ["netns", "del", device]) }
        try must(["link", "add", "bwg\(tag)", "type", "veth", "peer", "name", "bwd\(tag)"])
        try must(["link", "set", "bwg\(tag)", "netns", gateway])
        try must(["link", "set", "bwd\(tag)", "netns", device])
        try must(["-n", gateway, "addr", "add", "\(gatewayAddress)/24", "dev", "bwg\(tag)"])
        try must(["-n", device, "addr", "add", "\(deviceAddress)/24", "dev", "bwd\(tag)"])
        for (namespace, link) in [(gateway, "bwg\(tag)"), (device, "bwd\(tag)")] {
            try must(["-n", namespace, "link", "set", link, "up"])
            try must(["-n", namespace, "link", "set", "lo", "up"])
        }

        let serverOutput = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-quarantine-\(tag).out")
        defer { try? FileManager.default.removeItem(at: serverOutput) }
        let server = try CleanSpawn.start(ip, ["netns", "exec", gateway, tools.python, "-c", Self.server, gatewayAddress], output: serverOutput.path)
        defer { CleanSpawn.stop(server) }
        while CleanSpawn.isRunning(server), !((try? String(contentsOf: serverOutput, encoding: .utf8)) ?? "").hasPrefix("ready") { usleep(20_000) }
        #expect(CleanSpawn.isRunning(server), "the test server in \(gateway) did not start")

        /// Whether the device can open a TCP connection to the gateway's port; a dropped SYN is never answered, so
        /// the attempt gives up after its timeout.
        func deviceReaches(_ port: Int) throws -> Bool {
            let probe = "import socket; socket.create_connection(('\(gatewayAddress)', \(port)), timeout=3).close()"
            return try Self.run(ip, ["netns", "exec", device, tools.python, "-c", probe]).status == 0
        }
        #expect(try deviceReaches(8443))
        #expect(try deviceReaches(8080))

        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let applied = try cli.run(["quarantine", "apply", "--netns", gateway, "--device", deviceAddress, "--allow", "\(gatewayAddress):tcp:8443"], withDatabase: false)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("quarantined \(deviceAddress) in network namespace \(gateway)"))
        let table = "bulwark_quarantine_10_231_\(subnet)_2"
        #expect(!(try Self.run(Self.program("nft")!, ["list", "tables"]).stdout.contains(table)), "the host's own rules are untouched")

        #expect(try deviceReaches(8443), "the allowed management port still answers")
        #expect(!(try deviceReaches(8080)), "any other port is cut off")
        let listing = try Self.run(ip, ["netns", "exec", gateway, Self.program("nft")!, "list", "table", "inet", table]).stdout
        let fromDevice = try #require(listing.split(separator: "\n").first { $0.contains("quarantined device, from") })
        let dropped = fromDevice.split(separator: " ").drop { $0 != "packets" }.dropFirst().first.flatMap { Int($0) }
        #expect((dropped ?? 0) >= 1, "the device's SYNs were counted by the drop rule: \(fromDevice)")

        // Applying again replaces the plan rather than stacking a second copy.
        #expect(try cli.run(["quarantine", "apply", "--netns", gateway, "--device", deviceAddress, "--allow", "\(gatewayAddress):tcp:8443"], withDatabase: false).status == 0)
        let relisted = try Self.run(ip, ["netns", "exec", gateway, Self.program("nft")!, "list", "table", "inet", table]).stdout
        #expect(relisted.components(separatedBy: "quarantined device, from").count == 2)

        let rolledBack = try cli.run(["quarantine", "rollback", "--netns", gateway, "--device", deviceAddress], withDatabase: false)
        #expect(rolledBack.status == 0, "\(rolledBack.stderr)")
        #expect(try deviceReaches(8080), "after the rollback the port answers again")
        let again = try cli.run(["quarantine", "rollback", "--netns", gateway, "--device", deviceAddress], withDatabase: false)
        #expect(again.status != 0)
        #expect(again.stderr.contains("nothing to roll back: network namespace \(gateway) has no table inet \(table)"))
    }

    @Test func refusesToActOutsideANamedNamespace() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let missing = try cli.run(["quarantine", "apply", "--device", "192.168.1.20"], withDatabase: false)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("--netns"))
        let unknown = try cli.run(["quarantine", "apply", "--netns", "bwq-none-\(UUID().uuidString.prefix(8))", "--device", "192.168.1.20"], withDatabase: false)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no network namespace named bwq-none-"))
        let sneaky = try cli.run(["quarantine", "rollback", "--netns", "../../proc/1/ns/net", "--device", "192.168.1.20"], withDatabase: false)
        #expect(sneaky.status != 0)
        #expect(sneaky.stderr.contains("is not a network namespace name"))
    }
}
}
