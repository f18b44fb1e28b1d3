import BulwarkCore

/// Finds the inventory device behind a MAC or IP address seen in traffic; MAC wins, since addresses are reassigned.
public struct DeviceDirectory: Sendable {
    public struct Entry: Sendable, Hashable {
        public var id: Identifier<Device>
        public var serial: String
    }

    private var byMAC: [HardwareAddress: Entry] = [:]
    private var byAddress: [HostAddress: Entry] = [:]

    public init(devices: [Device] = []) {
        for device in devices {
            let entry = Entry(id: device.id, serial: device.serial)
            if let mac = device.macAddress.flatMap({ HardwareAddress($0.text) }) { byMAC[mac] = entry }
            if let address = device.ipAddress.flatMap({ HostAddress($0.text) }) { byAddress[address] = entry }
        }
    }

    /// From stored identities: id, serial, IP text and MAC text.
    public init(identities: [(Identifier<Device>, String, String?, String?)]) {
        for (id, serial, ip, mac) in identities {
            let entry = Entry(id: id, serial: serial)
            if let mac = mac.flatMap({ HardwareAddress($0) }) { byMAC[mac] = entry }
            if let address = ip.flatMap({ HostAddress($0) }) { byAddress[address] = entry }
        }
    }

    public var isEmpty: Bool { byMAC.isEmpty && byAddress.isEmpty }

    public func device(mac: HardwareAddress?, address: HostAddress) -> Entry? {
        if let mac, let entry = byMAC[mac] { return entry }
        return byAddress[address]
    }
}
