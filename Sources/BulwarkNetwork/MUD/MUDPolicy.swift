import Foundation

/// Checks a device's flows against its MUD profile, and writes a profile from flows known to be benign.
public struct MUDPolicy: Sendable {
    public let profile: MUDProfile
    /// Names the device looked up and the addresses the answers gave (from DNS responses in the same traffic).
    public var resolved: [HostAddress: Set<String>]

    public init(profile: MUDProfile, resolved: [HostAddress: Set<String>] = [:]) {
        self.profile = profile
        self.resolved = resolved
    }

    /// A flow the profile does not allow, and why.
    public struct Violation: Sendable, Hashable, Codable {
        public var flow: String
        public var reason: String
    }

    /// The rule allowing the flow, or `nil`. `device` is the address of the device the profile describes.
    public func allowingRule(_ flow: FlowRecord, device: HostAddress) -> MUDProfile.Rule? {
        let fromDevice = flow.originator == device
        let remote = fromDevice ? flow.responder : flow.originator
        let remotePort = fromDevice ? flow.responderPort : flow.originatorPort
        let localPort = fromDevice ? flow.originatorPort : flow.responderPort
        let direction: MUDProfile.Direction = fromDevice ? .fromDevice : .toDevice
        return profile.rules.first { rule in
            guard rule.accept, rule.direction == direction else { return false }
            if let transport = rule.transport, transport != flow.transport { return false }
            if let match = rule.remotePort, !match.matches(remotePort) { return false }
            if let match = rule.localPort, !match.matches(localPort) { return false }
            if let initiated = rule.initiatedBy, flow.transport == 6, initiated != (fromDevice ? .fromDevice : .toDevice) { return false }
            if let name = rule.remoteName { return resolved[remote]?.contains(name.lowercased()) == true }
            if let network = rule.remoteNetwork {
                let parts = network.split(separator: "/")
                guard let base = parts.first.flatMap({ HostAddress($0) }) else { return false }
                return remote.isIn(base, prefixLength: parts.count > 1 ? Int(parts[1]) ?? 128 : (base.isIPv4 ? 32 : 128))
            }
            if let abstraction = rule.abstraction {
                // Only local-networks can be decided from traffic alone; manufacturer and controller classes need a registry.
                return abstraction == "local-networks" && remote.isLocal
            }
            return true
        }
    }

    /// The device's flows that no accepting rule allows.
    public func violations(_ flows: [FlowRecord], device: HostAddress) -> [Violation] {
        flows.filter { $0.originator == device || $0.responder == device }.compactMap { flow in
            allowingRule(flow, device: device) == nil ? Violation(flow: flow.summary, reason: "no rule of \(profile.url) allows it") : nil
        }
    }

    /// A MUD file (RFC 8520 JSON) allowing exactly the kinds of flows observed: one entry per direction, remote (its
    /// DNS name when the traffic resolved it, local-networks for local peers, else the address) transport and remote port.
    public static func generate(
        url: String, systemInfo: String, flows: [FlowRecord], device: HostAddress, resolved: [HostAddress: Set<String>], lastUpdate: String
    ) throws -> Data {
        struct Key: Hashable, Comparable {
            var fromDevice: Bool
            var remote: String
            var kind: String
            var transport: UInt8
            var port: UInt16
            static func < (a: Key, b: Key) -> Bool { (a.fromDevice ? 0 : 1, a.remote, a.transport, a.port) < (b.fromDevice ? 0 : 1, b.remote, b.transport, b.port) }
        }
        var keys = Set<Key>()
        for flow in flows where flow.originator == device || flow.responder == device {
            let fromDevice = flow.originator == device
            let remote = fromDevice ? flow.responder : flow.originator
            let (kind, text): (String, String)
            if remote.isLocal {
                (kind, text) = ("local", "local-networks")
            } else if let name = resolved[remote]?.sorted().first {
                (kind, text) = ("name", name)
            } else {
                (kind, text) = ("address", remote.description)
            }
            // The responder's port is the service; the originator's is ephemeral.
            keys.insert(Key(fromDevice: fromDevice, remote: text, kind: kind, transport: flow.transport, port: flow.responderPort))
        }
        var from: [[String: Any]] = []
        var to: [[String: Any]] = []
        for (index, key) in keys.sorted().enumerated() {
            let v6 = key.kind == "address" && key.remote.contains(":")
            var ip: [String: Any] = ["protocol": Int(key.transport)]
            switch key.kind {
            case "name": ip[key.fromDevice ? "ietf-acldns:dst-dnsname" : "ietf-acldns:src-dnsname"] = key.remote
            case "address": ip[(key.fromDevice ? "destination" : "source") + (v6 ? "-ipv6-network" : "-ipv4-network")] = key.remote + (v6 ? "/128" : "/32")
            default: break
            }
            var matches: [String: Any] = [v6 ? "ipv6" : "ipv4": ip]
            if key.kind == "local" { matches["ietf-mud:mud"] = ["local-networks": [NSNull()]] }
            if key.transport == 6 || key.transport == 17 {
                // From the device the service port is the remote's; towards it, the device's own: both are the destination port.
                var ports: [String: Any] = ["destination-port": ["operator": "eq", "port": Int(key.port)]]
                if key.transport == 6 { ports["ietf-mud:direction-initiated"] = key.fromDevice ? "from-device" : "to-device" }
                matches[key.transport == 6 ? "tcp" : "udp"] = ports
            }
            let ace: [String: Any] = ["name": "ace-\(index)", "matches": matches, "actions": ["forwarding": "accept"]]
            if key.fromDevice { from.append(ace) } else { to.append(ace) }
        }
        let document: [String: Any] = [
            "ietf-mud:mud": [
                "mud-version": 1, "mud-url": url, "last-update": lastUpdate, "cache-validity": 48, "is-supported": true, "systeminfo": systemInfo,
                "from-device-policy": ["access-lists": ["access-list": [["name": "from-device"]]]],
                "to-device-policy": ["access-lists": ["access-list": [["name": "to-device"]]]],
            ],
            "ietf-access-control-list:acls": [
                "acl": [
                    ["name": "from-device", "type": "mixed-eth-ipv4-ipv6-acl-type", "aces": ["ace": from]],
                    ["name": "to-device", "type": "mixed-eth-ipv4-ipv6-acl-type", "aces": ["ace": to]],
                ]
            ],
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    }
}
