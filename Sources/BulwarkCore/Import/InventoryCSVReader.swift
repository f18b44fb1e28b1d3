/// Reads a device-per-row CSV inventory (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
///
/// Required columns: `serial`, `model`. Optional: `product_name`, `manufacturer`, `product_line`, `trunk`, `category`,
/// `firmware`, `released_on`, `support_until`, `site`, `segment`, `internet_exposed`, `ip`, `mac`, `credential_state`,
/// `last_seen`. Products, releases, sites and segments are created from the device rows that mention them.
enum InventoryCSVReader {
    static let aliases: [String: String] = [
        "product": "model", "product_model": "model", "firmware_version": "firmware", "version": "firmware",
        "ip_address": "ip", "mac_address": "mac", "credentials": "credential_state", "exposed": "internet_exposed",
        "release_date": "released_on", "support_end": "support_until",
    ]
    static let known: Set<String> = [
        "serial", "model", "product_name", "manufacturer", "product_line", "trunk", "category", "firmware", "released_on",
        "support_until", "site", "segment", "internet_exposed", "ip", "mac", "credential_state", "last_seen",
    ]

    static func read(_ bytes: [UInt8], source: String) throws(ImportError) -> InventoryDocument {
        var records = CSVRecords(bytes: bytes, source: source)
        guard let header = try records.next() else { throw .format(source: source, line: 1, message: "the file is empty; expected a header row") }
        var columns: [String: Int] = [:]
        for (index, raw) in header.fields.enumerated() {
            var name = raw.trimmingWhitespace().lowercased()
            name = String(name.map { $0 == " " || $0 == "-" ? "_" : $0 })
            name = aliases[name] ?? name
            guard known.contains(name) else {
                throw .format(
                    source: source, line: header.line, message: "unknown column '\(raw)'; known columns are \(known.sorted().joined(separator: ", "))"
                )
            }
            guard columns[name] == nil else { throw .format(source: source, line: header.line, message: "column '\(name)' appears twice") }
            columns[name] = index
        }
        for required in ["serial", "model"] where columns[required] == nil {
            throw .format(source: source, line: header.line, message: "the header has no '\(required)' column")
        }
        var builder = InventoryBuilder(source: source)
        while let record = try records.next() {
            if record.fields.count == 1, record.fields[0].isEmpty { continue }
            guard record.fields.count == header.fields.count else {
                throw .format(source: source, line: record.line, message: "\(record.fields.count) fields where the header has \(header.fields.count)")
            }
            func value(_ name: String) -> String? { columns[name].map { record.fields[$0] } }
            let line = record.line
            let model = try InventoryField.text(value("model"), field: "model", line: line, source: source, required: true)!
            try builder.addProduct(
                .init(
                    line: line, model: model,
                    name: try InventoryField.text(value("product_name"), field: "product_name", line: line, source: source, required: false),
                    manufacturer: try InventoryField.text(value("manufacturer"), field: "manufacturer", line: line, source: source, required: false),
                    productLine: try InventoryField.text(value("product_line"), field: "product_line", line: line, source: source, required: false),
                    trunk: try InventoryField.text(value("trunk"), field: "trunk", line: line, source: source, required: false),
                    category: try InventoryField.text(value("category"), field: "category", line: line, source: source, required: false)
                ))
            let firmware = try InventoryField.text(value("firmware"), field: "firmware", line: line, source: source, required: false)
            if let firmware {
                try builder.addRelease(
                    .init(
                        line: line, model: model, version: firmware,
                        releasedOn: try InventoryField.day(value("released_on"), field: "released_on", line: line, source: source),
                        supportUntil: try InventoryField.day(value("support_until"), field: "support_until", line: line, source: source)
                    ))
            }
            let site = try InventoryField.text(value("site"), field: "site", line: line, source: source, required: false)
            let segment = try InventoryField.text(value("segment"), field: "segment", line: line, source: source, required: false)
            if let segment {
                guard let site else { throw .field(source: source, line: line, field: "site", message: "is required when a segment is given") }
                try builder.addSegment(
                    .init(
                        line: line, site: site, name: segment,
                        internetExposed: try InventoryField.flag(value("internet_exposed"), field: "internet_exposed", line: line, source: source)
                    ))
            }
            try builder.addDevice(
                .init(
                    line: line,
                    serial: try InventoryField.text(value("serial"), field: "serial", line: line, source: source, required: true)!,
                    model: model, firmware: firmware, site: site, segment: segment,
                    ipAddress: try InventoryField.ip(value("ip"), field: "ip", line: line, source: source),
                    macAddress: try InventoryField.mac(value("mac"), field: "mac", line: line, source: source),
                    credentialState: try InventoryField.credentialState(
                        value("credential_state"), field: "credential_state", line: line, source: source),
                    lastSeen: try InventoryField.timestamp(value("last_seen"), field: "last_seen", line: line, source: source)
                ))
        }
        return builder.document
    }
}

/// An RFC 4180 record splitter that remembers the line each record starts on.
struct CSVRecords {
    struct Record {
        var line: Int
        var fields: [String]
    }

    let bytes: [UInt8]
    let source: String
    var index = 0
    var line = 1

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
        // Skip a UTF-8 byte order mark.
        if bytes.starts(with: [0xef, 0xbb, 0xbf]) { index = 3 }
    }

    mutating func next() throws(ImportError) -> Record? {
        guard index < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var wasQuoted = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == 0x0a { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                guard field.isEmpty, !wasQuoted else {
                    throw .format(
                        source: source, line: line, message: "a quote inside an unquoted field; quote the whole field and double inner quotes")
                }
                quoted = true
                wasQuoted = true
            case UInt8(ascii: ","):
                fields.append(try decode(field))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            case 0x0d:
                continue
            case 0x0a:
                fields.append(try decode(field))
                line += 1
                return Record(line: startLine, fields: fields)
            default:
                guard !wasQuoted else {
                    throw .format(source: source, line: line, message: "text after a closing quote")
                }
                field.append(byte)
            }
        }
        if quoted { throw .format(source: source, line: startLine, message: "a quoted field is never closed") }
        fields.append(try decode(field))
        return Record(line: startLine, fields: fields)
    }

    private func decode(_ field: [UInt8]) throws(ImportError) -> String {
        guard let text = String(validating: field, as: UTF8.self) else {
            throw .format(source: source, line: line, message: "the file is not valid UTF-8")
        }
        return text
    }
}
