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
        var lines = [
            "# Isolates \(device)\(mac.map { " (\($0))" } ?? ""): only the endpoints below may reach it or be reached from it.",
            "# Roll back with: nft delete table inet \(table)",
            "table inet \(table) {",
            "    chain forward {",
            "        type filter hook forward priority -10; policy accept;",
            "        ct state established,related \(family) saddr \(device) accept",
            "        ct state established,related \(family) daddr \(device) accept",
        ]
        for endpoint in allowed {
            let proto = endpoint.transport.map { $0 == 6 ? "tcp" : $0 == 17 ? "udp" : nil } ?? nil
            let port = endpoint.port.flatMap { p in proto.map { " \($0) dport \(p)" } } ?? ""
            let protoOnly = port.isEmpty ? (endpoint.transport.map { " meta l4proto \($0)" } ?? "") : ""
            lines.append("        \(family) saddr \(device) \(family) daddr \(endpoint.host)\(protoOnly)\(port) accept comment \"\(endpoint.why.replacingOccurrences(of: "\"", with: "'"))\"")
            lines.append("        \(family) daddr \(device) \(family) saddr \(endpoint.host)\(protoOnly)\(port) accept comment \"\(endpoint.why.replacingOccurrences(of: "\"", with: "'"))\"")
        }
        if let mac { lines.append("        ether saddr \(mac) drop comment \"quarantined device, any address\"") }
        lines += ["        \(family) saddr \(device) drop", "        \(family) daddr \(device) drop", "    }", "}"]
        rules = lines.joined(separator: "\n") + "\n"
        rollback = "delete table inet \(table)\n"
    }
}
