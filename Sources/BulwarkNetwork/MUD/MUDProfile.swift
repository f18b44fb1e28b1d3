import Foundation

/// A Manufacturer Usage Description (RFC 8520): what a product is designed to talk to.
///
/// Reads the RFC's YANG-JSON form (`ietf-access-control-list:acls`, `aces`, `ipv4`/`ipv6`, `destination-port`) and the
/// earlier draft form still published by some vendors (`access-lists`, `access-list-entries`, `ipv6-acl`,
/// `destination-port-range-or-operator`).
public struct MUDProfile: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable, Codable { case fromDevice = "from-device", toDevice = "to-device" }

    /// A port condition: `eq`, `neq`, `lt`, `gt`, or a range.
    public struct PortMatch: Sendable, Hashable {
        public var lower: UInt16
        public var upper: UInt16
        public var negated: Bool

        public func matches(_ port: UInt16) -> Bool { (lower...upper).contains(port) != negated }
    }

    /// One access-control entry, seen from the device: who the remote side is, and on which ports.
    public struct Rule: Sendable, Hashable {
        public var name: String
        public var direction: Direction
        public var transport: UInt8?
        /// `ietf-acldns:dst-dnsname` / `src-dnsname`.
        public var remoteName: String?
        public var remoteNetwork: String?
        /// An RFC 8520 §8 abstraction: `local-networks`, `same-manufacturer`, `manufacturer`, `controller`, `my-controller`, `model`.
        public var abstraction: String?
        public var remotePort: PortMatch?
        public var localPort: PortMatch?
        /// `ietf-mud:direction-initiated` for TCP: which side may open the connection.
        public var initiatedBy: Direction?
        public var accept: Bool
    }

    public var url: String
    public var systemInfo: String?
    public var lastUpdate: String?
    public var rules: [Rule]

    /// Reads a MUD file; errors name the file and the JSON path.
    public static func read(_ data: Data, file: String) throws(MUDError) -> MUDProfile {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw MUDError(file: file, path: "$", message: "not a JSON object") }
        guard let mud = root["ietf-mud:mud"] as? [String: Any] else { throw MUDError(file: file, path: "$", message: "no 'ietf-mud:mud' container") }
        guard let url = mud["mud-url"] as? String else { throw MUDError(file: file, path: "$['ietf-mud:mud']", message: "no 'mud-url'") }
        guard let version = mud["mud-version"] as? Int, version == 1 else {
            throw MUDError(file: file, path: "$['ietf-mud:mud']['mud-version']", message: "only MUD version 1 (RFC 8520) is understood")
        }
        let aclRoot = (root["ietf-access-control-list:acls"] ?? root["ietf-access-control-list:access-lists"]) as? [String: Any]
        let acls = aclRoot?["acl"] as? [[String: Any]] ?? []
        var byName: [String: [[String: Any]]] = [:]
        for acl in acls {
            guard let name = acl["name"] as? String else { continue }
            let entries = (acl["aces"] ?? acl["access-list-entries"]) as? [String: Any]
            byName[name] = entries?["ace"] as? [[String: Any]] ?? []
        }
        var rules: [Rule] = []
        for (policyKey, direction) in [("from-device-policy", Direction.fromDevice), ("to-device-policy", Direction.toDevice)] {
            let policy = mud[policyKey] as? [String: Any]
            let names = ((policy?["access-lists"] as? [String: Any])?["access-list"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            for name in names {
                guard let aces = byName[name] else {
                    throw MUDError(file: file, path: "$['ietf-mud:mud']['\(policyKey)']", message: "names access list '\(name)', which the file does not define")
                }
                for (index, ace) in aces.enumerated() {
                    rules.append(try rule(ace, direction: direction, file: file, path: "acl '\(name)' ace[\(index)]"))
                }
            }
        }
        return MUDProfile(url: url, systemInfo: mud["systeminfo"] as? String, lastUpdate: mud["last-update"] as? String, rules: rules)
    }

    private static func rule(_ ace: [String: Any], direction: Direction, file: String, path: String) throws(MUDError) -> Rule {
        let name = (ace["name"] ?? ace["rule-name"]) as? String ?? path
        let matches = ace["matches"] as? [String: Any] ?? [:]
        let actions = ace["actions"] as? [String: Any] ?? [:]
        var rule = Rule(
            name: name, direction: direction, transport: nil, remoteName: nil, remoteNetwork: nil, abstraction: nil, remotePort: nil, localPort: nil,
            initiatedBy: nil, accept: (actions["forwarding"] as? String ?? "accept") == "accept")
        let fromDevice = direction == .fromDevice
        for key in ["ipv4", "ipv6", "ipv4-acl", "ipv6-acl"] {
            guard let ip = matches[key] as? [String: Any] else { continue }
            if let protocolNumber = ip["protocol"] as? Int {
                guard (0...255).contains(protocolNumber) else { throw MUDError(file: file, path: path, message: "protocol \(protocolNumber) is not 0–255") }
                rule.transport = UInt8(protocolNumber)
            }
            rule.remoteName = ip[fromDevice ? "ietf-acldns:dst-dnsname" : "ietf-acldns:src-dnsname"] as? String
            for suffix in ["-ipv4-network", "-ipv6-network", "-network"] {
                if let network = ip[(fromDevice ? "destination" : "source") + suffix] as? String { rule.remoteNetwork = network }
            }
        }
        for key in ["tcp", "udp"] {
            guard let transport = matches[key] as? [String: Any] else { continue }
            if rule.transport == nil { rule.transport = key == "tcp" ? 6 : 17 }
            let remoteKey = fromDevice ? "destination-port" : "source-port"
            let localKey = fromDevice ? "source-port" : "destination-port"
            rule.remotePort = try port(transport[remoteKey] ?? transport[remoteKey + "-range-or-operator"], file: file, path: path)
            rule.localPort = try port(transport[localKey] ?? transport[localKey + "-range-or-operator"], file: file, path: path)
            if let initiated = transport["ietf-mud:direction-initiated"] as? String {
                guard let value = Direction(rawValue: initiated) else { throw MUDError(file: file, path: path, message: "direction-initiated '\(initiated)'") }
                rule.initiatedBy = value
            }
        }
        // Older drafts put the port match beside the protocol in the IP container.
        for key in ["ipv4-acl", "ipv6-acl"] {
            guard let ip = matches[key] as? [String: Any] else { continue }
            let remoteKey = (fromDevice ? "destination" : "source") + "-port-range-or-operator"
            let localKey = (fromDevice ? "source" : "destination") + "-port-range-or-operator"
            if rule.remotePort == nil { rule.remotePort = try port(ip[remoteKey], file: file, path: path) }
            if rule.localPort == nil { rule.localPort = try port(ip[localKey], file: file, path: path) }
        }
        if let abstraction = matches["ietf-mud:mud"] as? [String: Any], let first = abstraction.keys.sorted().first {
            rule.abstraction = first
        }
        return rule
    }

    private static func port(_ value: Any?, file: String, path: String) throws(MUDError) -> PortMatch? {
        guard let object = value as? [String: Any] else { return nil }
        if let lower = object["lower-port"] as? Int, let upper = object["upper-port"] as? Int {
            guard (0...65535).contains(lower), (lower...65535).contains(upper) else { throw MUDError(file: file, path: path, message: "port range \(lower)–\(upper)") }
            return PortMatch(lower: UInt16(lower), upper: UInt16(upper), negated: false)
        }
        guard let port = object["port"] as? Int, (0...65535).contains(port) else { throw MUDError(file: file, path: path, message: "a port match without a valid port") }
        let p = UInt16(port)
        switch object["operator"] as? String ?? "eq" {
        case "eq": return PortMatch(lower: p, upper: p, negated: false)
        case "neq": return PortMatch(lower: p, upper: p, negated: true)
        case "lte": return PortMatch(lower: 0, upper: p, negated: false)
        case "gte": return PortMatch(lower: p, upper: 65535, negated: false)
        case let other: throw MUDError(file: file, path: path, message: "port operator '\(other)' is not eq, neq, lte or gte")
        }
    }
}

/// Why a MUD file could not be read, with the file and the place in it.
public struct MUDError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var path: String
    public var message: String
    public var description: String { "\(file): \(path): \(message)" }

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }
}
