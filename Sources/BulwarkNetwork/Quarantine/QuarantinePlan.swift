import Foundation

/// An nftables isolation plan for one device: everything to and from it is dropped except its management and update
/// endpoints and what its MUD profile allows; with the commands that undo it.
public struct QuarantinePlan: Sendable, Hashable, Codable {
    /// An endpoint the device keeps: an address or network, or a DNS name (nft resolves names when the rules load).
    public struct Endpoint: Sendable, Hashable, Codable {
        public var host: String
        public var transport: UInt8?
        public var port: UInt16?
        public var why: String

        public init(host: String, transport: UInt8? = nil, port: UInt16? = nil, why: String) {
            self.host = host
            self.transport = transport
            self.port = port
            self.why = why
        }
    }

    public var device: HostAddress
    public var mac: String?
    public var table: String
    public var allowed: [Endpoint]
    /// The nftables script that isolates the device (`nft -f`).
    public var rules: String
    /// The script that installs the rules in one transaction, replacing an earlier plan for the same device
    /// (`nft -f -`: declaring the table first makes the delete succeed when there was none).
    public var replacingScript: String { "table inet \(table)\ndelete table inet \(table)\n" + rules }
    /// The script that removes the isolation again.
    public var rollback: String

    public init(device: HostAddress, mac: HardwareAddress?, name: String, management: [Endpoint], profile: MUDProfile?) {
        self.device = device
        self.mac = mac?.description
        let safe = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.prefix(40))
        table = "bulwark_quarantine_\(safe)"
        var allowed = management
        for rule in profile?.rules ?? [] where rule.accept {
            // Rules naming only an abstraction other than local networks cannot be written as addresses.
            guard let host = rule.remoteName ?? rule.remoteNetwork else { continue }
            let port = rule.remotePort.flatMap { $0.lower == $0.upper && !$0.negated ? $0.lower : nil } ?? rule.localPort.flatMap { $0.lower == $0.upper && !$0.negated ? $0.lower : nil }
            allowed.append(Endpoint(host: host, transport: rule.transport, port: port, why: "MUD \(rule.direction.rawValue) \(rule.name)"))
        }
        self.allowed = allowed
        let family = device.isIPv4 ? "ip" : "ip6"
        // One chain holds the decisions; the forward hook isolates the device from other hosts when this machine
        // routes for it, input and output isolate it from this machine itself (its management interface, say).
        // No blanket "ct state established accept": a session opened before the quarantine (a C2 channel) is cut too;
        // replies are accepted only for the allowed endpoints and ports.
        var lines = [
            "# Isolates \(device)\(mac.map { " (\($0))" } ?? ""): only the endpoints below may reach it or be reached from it.",
            "# Roll back with: nft delete table inet \(table)",
            "table inet \(table) {",
            "    chain isolate {",
        ]
        for endpoint in allowed {
            let proto = endpoint.transport.flatMap { $0 == 6 ? "tcp" : $0 == 17 ? "udp" : nil }
            let comment = " comment \"\(endpoint.why.replacingOccurrences(of: "\"", with: "'"))\""
            let outbound = "\(family) saddr \(device) \(family) daddr \(endpoint.host)"
            let inbound = "\(family) daddr \(device) \(family) saddr \(endpoint.host)"
            if let proto, let port = endpoint.port {
                // Either side may open a connection to the port; the answers come back from it.
                lines.append("        \(outbound) \(proto) dport \(port) accept\(comment)")
                lines.append("        \(inbound) \(proto) dport \(port) accept\(comment)")
                lines.append("        \(inbound) \(proto) sport \(port) ct state established,related accept\(comment)")
                lines.append("        \(outbound) \(proto) sport \(port) ct state established,related accept\(comment)")
            } else {
                let protocolOnly = endpoint.transport.map { " meta l4proto \($0)" } ?? ""
                lines.append("        \(outbound)\(protocolOnly) accept\(comment)")
                lines.append("        \(inbound)\(protocolOnly) accept\(comment)")
            }
        }
        if let mac { lines.append("        ether saddr \(mac) counter drop comment \"quarantined device, any address\"") }
        lines += [
            "        \(family) saddr \(device) counter drop comment \"quarantined device, from\"",
            "        \(family) daddr \(device) counter drop comment \"quarantined device, to\"",
            "    }",
        ]
        for hook in ["forward", "input", "output"] {
            lines += [
                "    chain \(hook) {", "        type filter hook \(hook) priority -10; policy accept;", "        jump isolate", "    }",
            ]
        }
        lines.append("}")
        rules = lines.joined(separator: "\n") + "\n"
        rollback = "delete table inet \(table)\n"
    }
}
