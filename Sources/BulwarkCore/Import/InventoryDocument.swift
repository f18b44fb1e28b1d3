/// An inventory file, parsed and checked field by field, before anything is written.
///
/// Products are keyed by model, releases by (model, version), devices by serial, sites by name and segments by
/// (site, name), so importing the same document twice changes nothing.
public struct InventoryDocument: Sendable, Hashable {
    public struct ProductRow: Sendable, Hashable {
        public var line: Int
        public var model: String
        public var name: String?
        public var manufacturer: String?
        public var productLine: String?
        public var trunk: String?
        public var category: String?

        public init(line: Int, model: String, name: String?, manufacturer: String?, productLine: String?, trunk: String?, category: String?) {
            self.line = line
            self.model = model
            self.name = name
            self.manufacturer = manufacturer
            self.productLine = productLine
            self.trunk = trunk
            self.category = category
        }
    }

    public struct ReleaseRow: Sendable, Hashable {
        public var line: Int
        public var model: String
        public var version: String
        public var releasedOn: CalendarDay?
        public var supportUntil: CalendarDay?

        public init(line: Int, model: String, version: String, releasedOn: CalendarDay?, supportUntil: CalendarDay?) {
            self.line = line
            self.model = model
            self.version = version
            self.releasedOn = releasedOn
            self.supportUntil = supportUntil
        }
    }

    public struct SegmentRow: Sendable, Hashable {
        public var line: Int
        public var site: String
        public var name: String
        public var internetExposed: Bool?

        public init(line: Int, site: String, name: String, internetExposed: Bool?) {
            self.line = line
            self.site = site
            self.name = name
            self.internetExposed = internetExposed
        }
    }

    public struct DeviceRow: Sendable, Hashable {
        public var line: Int
        public var serial: String
        public var model: String
        public var firmware: String?
        public var site: String?
        public var segment: String?
        public var ipAddress: IPAddress?
        public var macAddress: MACAddress?
        public var credentialState: CredentialState
        public var lastSeen: String?

        public init(
            line: Int, serial: String, model: String, firmware: String?, site: String?, segment: String?, ipAddress: IPAddress?,
            macAddress: MACAddress?, credentialState: CredentialState, lastSeen: String?
        ) {
            self.line = line
            self.serial = serial
            self.model = model
            self.firmware = firmware
            self.site = site
            self.segment = segment
            self.ipAddress = ipAddress
            self.macAddress = macAddress
            self.credentialState = credentialState
            self.lastSeen = lastSeen
        }
    }

    /// The file name (or "request body") used in error messages.
    public var source: String
    public var products: [ProductRow] = []
    public var releases: [ReleaseRow] = []
    public var segments: [SegmentRow] = []
    public var devices: [DeviceRow] = []

    public init(source: String) {
        self.source = source
    }

    /// The largest inventory file accepted in one import (64 MiB, about a million devices as CSV).
    public static let maximumBytes = 64 << 20

    /// Parses CSV or JSON, chosen by the first non-blank byte (`{` or `[` means JSON).
    public static func parse(_ bytes: [UInt8], source: String) throws(ImportError) -> InventoryDocument {
        guard bytes.count <= maximumBytes else { throw .tooLarge(source: source, bytes: bytes.count, limit: maximumBytes) }
        let first = bytes.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0a && $0 != 0x0d && $0 != 0xef && $0 != 0xbb && $0 != 0xbf }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return try InventoryJSONReader.read(bytes, source: source)
        }
        return try InventoryCSVReader.read(bytes, source: source)
    }
}

/// Field checks shared by the CSV and JSON readers.
enum InventoryField {
    static let maximumLength = 256

    static func text(_ raw: String?, field: String, line: Int, source: String, required: Bool) throws(ImportError) -> String? {
        let value = raw?.trimmingWhitespace() ?? ""
        if value.isEmpty {
            if required { throw .field(source: source, line: line, field: field, message: "is required but empty") }
            return nil
        }
        guard value.utf8.count <= maximumLength else {
            throw .field(source: source, line: line, field: field, message: "is longer than \(maximumLength) bytes")
        }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .field(source: source, line: line, field: field, message: "contains control characters")
        }
        return value
    }

    static func day(_ raw: String?, field: String, line: Int, source: String) throws(ImportError) -> CalendarDay? {
        guard let text = try text(raw, field: field, line: line, source: source, required: false) else { return nil }
        guard let day = CalendarDay(text) else {
            throw .field(source: source, line: line, field: field, message: "\"\(text)\" is not a date in the form YYYY-MM-DD")
        }
        return day
    }

    static func flag(_ raw: String?, field: String, line: Int, source: String) throws(ImportError) -> Bool? {
        guard let text = try text(raw, field: field, line: line, source: source, required: false) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "y", "1": return true
        case "false", "no", "n", "0": return false
        default: throw .field(source: source, line: line, field: field, message: "\"\(text)\" is not true or false")
        }
    }

    static func ip(_ raw: String?, field: String, line: Int, source: String) throws(ImportError) -> IPAddress? {
        guard let text = try text(raw, field: field, line: line, source: source, required: false) else { return nil }
        guard let address = IPAddress(text) else {
            throw .field(source: source, line: line, field: field, message: "\"\(text)\" is not an IPv4 or IPv6 address")
        }
        return address
    }

    static func mac(_ raw: String?, field: String, line: Int, source: String) throws(ImportError) -> MACAddress? {
        guard let text = try text(raw, field: field, line: line, source: source, required: false) else { return nil }
        guard let address = MACAddress(text) else {
            throw .field(source: source, line: line, field: field, message: "\"\(text)\" is not a MAC address such as 00:1a:2b:3c:4d:5e")
        }
        return address
    }

    static func credentialState(_ raw: String?, field: String, line: Int, source: String) throws(ImportError) -> CredentialState {
        guard let text = try text(raw, field: field, line: line, source: source, required: false) else { return .unknown }
        guard let state = CredentialState(rawValue: text.lowercased()) else {
            throw .field(source: source, line: line, field: field, message: "\"\(text)\" is not one of default, changed, unknown")
        }
        return state
    }

    static func timestamp(_ raw: String?, field: String, line: Int, source: String) throws(ImportError) -> String? {
        guard let text = try text(raw, field: field, line: line, source: source, required: false) else { return nil }
        guard let date = Timestamp.parse(text) else {
            throw .field(source: source, line: line, field: field, message: "\"\(text)\" is not an RFC 3339 time such as 2026-11-20T08:00:00Z")
        }
        return Timestamp.format(date)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
