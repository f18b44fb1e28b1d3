import ArgumentParser
import BulwarkCore
import BulwarkNetwork
import Foundation

struct MUDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mud", abstract: "Check traffic against a MUD profile (RFC 8520), or write one from benign traffic.",
        subcommands: [Check.self, Generate.self])

    /// The device's flows and the names its DNS answers gave, from capture or log files.
    static func observe(_ files: [String]) throws -> (flows: [FlowRecord], resolved: [HostAddress: Set<String>]) {
        var flows: [FlowRecord] = []
        var resolved: [HostAddress: Set<String>] = [:]
        for file in files {
            do {
                switch try TrafficFile.kind(of: file) {
                case .pcap, .pcapng:
                    var decoder = PacketDecoder(file: file)
                    var table = FlowTable(file: file)
                    for packet in try PacketCaptureReader(path: file) {
                        guard let decoded = decoder.decode(packet) else { continue }
                        if let dns = decoded.dns, dns.isResponse { for address in dns.addresses { resolved[address, default: []].insert(dns.name) } }
                        table.add(decoded) { flows.append($0) }
                    }
                    table.flush { flows.append($0) }
                case .zeek:
                    var reader = try ZeekConnReader(path: file)
                    while let flow = reader.next() { flows.append(flow) }
                case .flowExport:
                    var reader = try FlowExportFileReader(path: file)
                    var decoder = FlowExportDecoder()
                    while let (message, place) = reader.next() { decoder.decode(message, exporter: HostAddress(ipv4: 0), at: place) { flows.append($0) } }
                }
            } catch {
                throw CLIError(error.description)
            }
        }
        return (flows, resolved)
    }

    static func profile(_ path: String) throws -> MUDProfile {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        do { return try MUDProfile.read(data, file: path) } catch { throw CLIError(error.description) }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the device's flows that its MUD profile does not allow; exits 1 when there are any.",
            discussion: """
                DNS names in the profile are matched through the DNS answers seen in the same capture.

                Examples:
                  bulwark mud check lightbulb.json capture.pcap --device 192.168.1.20
                  bulwark mud check doorbell.json conn.log --device 10.0.0.7 --format json
                """)

        @Argument(help: ArgumentHelp("The MUD file.", valueName: "profile")) var profile: String
        @Argument(help: ArgumentHelp("Capture or log files of the device's traffic.", valueName: "file")) var files: [String]
        @Option(help: ArgumentHelp("The device's IP address.", valueName: "address")) var device: String
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            guard let address = HostAddress(device) else { throw CLIError("--device: \"\(device)\" is not an IP address") }
            let policy = MUDPolicy(profile: try MUDCommand.profile(profile), resolved: try MUDCommand.observe(files).resolved)
            let flows = try MUDCommand.observe(files).flows
            let violations = policy.violations(flows, device: address)
            switch format {
            case .json: print(try Terminal.json(violations))
            case .table:
                print("\(violations.count) flows of \(address) outside \(policy.profile.url)")
                for violation in violations.prefix(100) { print("  \(violation.flow)") }
            }
            if !violations.isEmpty { throw ExitCode(1) }
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a MUD profile allowing the kinds of flows a device showed in traffic known to be benign.",
            discussion: """
                One entry per direction, remote side (its DNS name when the capture resolved it, local-networks for local
                peers, else its address), protocol and service port.

                Example:
                  bulwark mud generate benign.pcap --device 192.168.1.20 --url https://example.com/.well-known/mud/plug --output plug.json
                """)

        @Argument(help: ArgumentHelp("Capture or log files of benign traffic.", valueName: "file")) var files: [String]
        @Option(help: ArgumentHelp("The device's IP address.", valueName: "address")) var device: String
        @Option(help: ArgumentHelp("The profile's MUD URL.", valueName: "url")) var url: String
        @Option(help: ArgumentHelp("Its systeminfo text.", valueName: "text")) var systemInfo = "generated from observed traffic"
        @Option(help: ArgumentHelp("Where to write it (standard output when left out).", valueName: "file")) var output: String?

        func run() async throws {
            guard let address = HostAddress(device) else { throw CLIError("--device: \"\(device)\" is not an IP address") }
            let observed = try MUDCommand.observe(files)
            let data = try MUDPolicy.generate(
                url: url, systemInfo: systemInfo, flows: observed.flows, device: address, resolved: observed.resolved, lastUpdate: Timestamp.format(Date()))
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: data) else { throw CLIError("cannot write \(output)") }
            } else {
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }
}

struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "Plan the isolation of a device as nftables rules, apply it inside a network namespace, roll it back.",
        subcommands: [Plan.self, Apply.self, Rollback.self])

    /// Which device to isolate and what it keeps.
    struct Target: ParsableArguments {
        @Option(help: ArgumentHelp("The device's IP address.", valueName: "address")) var device: String
        @Option(help: ArgumentHelp("The device's MAC address, to drop it whatever address it takes.", valueName: "mac")) var mac: String?
        @Option(help: ArgumentHelp("A management or update endpoint, host[:tcp|udp:port]; repeatable.", valueName: "endpoint")) var allow: [String] = []
        @Option(help: ArgumentHelp("The device's MUD profile; the flows it allows stay allowed.", valueName: "file")) var profile: String?

        func plan() throws -> QuarantinePlan {
            guard let address = HostAddress(device) else { throw CLIError("--device: \"\(device)\" is not an IP address") }
            let hardware = try mac.map { text -> HardwareAddress in
                guard let value = HardwareAddress(text) else { throw CLIError("--mac: \"\(text)\" is not a MAC address") }
                return value
            }
            var endpoints: [QuarantinePlan.Endpoint] = []
            for text in allow {
                let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                // IPv6 addresses hold colons: take protocol and port only when the last two parts are exactly that.
                if parts.count >= 3, let port = UInt16(parts[parts.count - 1]), ["tcp", "udp"].contains(parts[parts.count - 2]) {
                    let host = parts.dropLast(2).joined(separator: ":")
                    endpoints.append(.init(host: host, transport: parts[parts.count - 2] == "tcp" ? 6 : 17, port: port, why: "management \(text)"))
                } else {
                    endpoints.append(.init(host: text, why: "management \(text)"))
                }
            }
            return QuarantinePlan(
                device: address, mac: hardware, name: device, management: endpoints, profile: try profile.map { try MUDCommand.profile($0) })
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print nftables rules that cut a device off except from its management and update endpoints and what its MUD profile allows.",
            discussion: """
                The rules are only printed; load them with nft -f (or 'bulwark quarantine apply' inside a network namespace), \
                and undo them with the printed rollback.

                Examples:
                  bulwark quarantine plan --device 192.168.1.20 --allow 10.0.0.5:tcp:22 --allow updates.example.com:tcp:443
                  bulwark quarantine plan --device 192.168.1.20 --mac 3c:71:bf:00:00:01 --profile lightbulb.json --format json
                """)

        @OptionGroup var target: Target
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            let plan = try target.plan()
            switch format {
            case .json: print(try Terminal.json(plan))
            case .table:
                print(plan.rules)
                print("# rollback:")
                print(plan.rollback, terminator: "")
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a device's isolation rules into the nftables of a named network namespace.",
            discussion: """
                Acts only inside the network namespace named by --netns (one made with 'ip netns add'), never on the \
                host's own rules, and only when this command is run. The rules replace an earlier plan for the same \
                device in one nft transaction. Needs the ip and nft programs (Debian iproute2, nftables) and the right \
                to change that namespace (root or CAP_NET_ADMIN).

                Examples:
                  bulwark quarantine apply --netns gateway --device 192.168.1.20 --allow 10.0.0.5:tcp:22
                  bulwark quarantine apply --netns gateway --device 192.168.1.20 --mac 3c:71:bf:00:00:01 --profile lightbulb.json
                """)

        @OptionGroup var target: Target
        @Option(help: ArgumentHelp("The network namespace to act in (as listed by 'ip netns list').", valueName: "name")) var netns: String
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            let plan = try target.plan()
            let namespace = try NamespaceFirewall(name: netns)
            try namespace.load(plan.replacingScript, doing: "load the quarantine rules")
            switch format {
            case .json: print(try Terminal.json(["namespace": netns, "table": plan.table, "rules": plan.rules]))
            case .table:
                print("quarantined \(plan.device) in network namespace \(netns): table inet \(plan.table), \(plan.allowed.count) endpoints allowed")
                print("undo with: bulwark quarantine rollback --netns \(netns) --device \(target.device)")
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a device's isolation rules from a named network namespace.",
            discussion: """
                Deletes the table 'bulwark quarantine apply' made for the device, in that namespace only.

                Examples:
                  bulwark quarantine rollback --netns gateway --device 192.168.1.20
                """)

        @Option(help: ArgumentHelp("The device's IP address, as given to apply.", valueName: "address")) var device: String
        @Option(help: ArgumentHelp("The network namespace to act in (as listed by 'ip netns list').", valueName: "name")) var netns: String

        func run() async throws {
            guard let address = HostAddress(device) else { throw CLIError("--device: \"\(device)\" is not an IP address") }
            let plan = QuarantinePlan(device: address, mac: nil, name: device, management: [], profile: nil)
            let namespace = try NamespaceFirewall(name: netns)
            guard try namespace.hasTable(plan.table) else {
                throw CLIError("nothing to roll back: network namespace \(netns) has no table inet \(plan.table)")
            }
            try namespace.load(plan.rollback, doing: "remove the quarantine rules")
            print("released \(plan.device) in network namespace \(netns): table inet \(plan.table) deleted")
        }
    }
}
