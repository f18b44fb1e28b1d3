/// Reads a JSON inventory: an object with optional `products`, `releases`, `segments` and `devices` arrays,
/// or a bare array of devices. Member names may be camelCase or snake_case. Device objects accept the same
/// product and release members as the CSV columns, so a flat export works too.
enum InventoryJSONReader {
    typealias Members = [(key: String, value: LocatedJSON.Located)]

    static func read(_ bytes: [UInt8], source: String) throws(ImportError) -> InventoryDocument {
        let root = try LocatedJSON.parse(bytes, source: source)
        var builder = InventoryBuilder(source: source)
        switch root {
        case .array(let devices, _):
            try readDevices(devices, path: "$", into: &builder, source: source)
        case .object(let members, _):
            for (key, value) in members {
                guard case .array(let elements, let line) = value.value else {
                    throw .format(source: source, line: value.line, message: "'\(key)' must be an array, not \(value.value.typeName)")
                }
                switch normalise(key) {
                case "products":
                    for (index, element) in elements.enumerated() {
                        let row = try Row(element, path: "$.\(key)[\(index)]", allowed: productKeys, source: source)
                        try builder.addProduct(try row.product(required: true))
                    }
                case "releases":
                    for (index, element) in elements.enumerated() {
                        let row = try Row(element, path: "$.\(key)[\(index)]", allowed: releaseKeys, source: source)
                        try builder.addRelease(try row.release()!)
                    }
                case "segments":
                    for (index, element) in elements.enumerated() {
                        let row = try Row(element, path: "$.\(key)[\(index)]", allowed: ["site", "name", "internetexposed"], source: source)
                        try builder.addSegment(
                            .init(
                                line: row.line, site: try row.text("site", required: true)!, name: try row.text("name", required: true)!,
                                internetExposed: try row.flag("internetexposed")))
                    }
                case "devices":
                    try readDevices(elements, path: "$.\(key)", into: &builder, source: source)
                default:
                    throw .format(source: source, line: line, message: "unknown member '\(key)'; expected products, releases, segments or devices")
                }
            }
        default:
            throw .format(source: source, line: root.line, message: "the document must be an object or an array of devices, not \(root.typeName)")
        }
        return builder.document
    }

    static let productKeys: Set<String> = ["model", "product", "name", "productname", "manufacturer", "productline", "trunk", "category"]
    static let releaseKeys: Set<String> = ["model", "product", "version", "firmware", "releasedon", "supportuntil"]
    static let deviceKeys: Set<String> = [
        "serial", "model", "product", "productname", "manufacturer", "productline", "trunk", "category", "firmware", "releasedon",
        "supportuntil", "site", "segment", "internetexposed", "ip", "mac", "credentialstate", "lastseen",
    ]

    static func readDevices(_ elements: [LocatedJSON.Located], path: String, into builder: inout InventoryBuilder, source: String) throws(ImportError)
    {
        for (index, element) in elements.enumerated() {
            let row = try Row(element, path: "\(path)[\(index)]", allowed: deviceKeys, source: source)
            let product = try row.product(required: true)
            try builder.addProduct(product)
            let release = try row.release()
            if let release { try builder.addRelease(release) }
            let site = try row.text("site", required: false)
            let segment = try row.text("segment", required: false)
            if let segment {
                guard let site else {
                    throw .field(source: source, line: row.line, field: "\(row.path).site", message: "is required when a segment is given")
                }
                try builder.addSegment(.init(line: row.line, site: site, name: segment, internetExposed: try row.flag("internetexposed")))
            }
            try builder.addDevice(
                .init(
                    line: row.line, serial: try row.text("serial", required: true)!, model: product.model, firmware: release?.version, site: site,
                    segment: segment,
                    ipAddress: try InventoryField.ip(
                        try row.text("ip", required: false), field: row.field("ip"), line: row.line(of: "ip"), source: source),
                    macAddress: try InventoryField.mac(
                        try row.text("mac", required: false), field: row.field("mac"), line: row.line(of: "mac"), source: source),
                    credentialState: try InventoryField.credentialState(
                        try row.text("credentialstate", required: false), field: row.field("credentialstate"), line: row.line(of: "credentialstate"),
                        source: source),
                    lastSeen: try InventoryField.timestamp(
                        try row.text("lastseen", required: false), field: row.field("lastseen"), line: row.line(of: "lastseen"), source: source)
                ))
        }
    }

    /// `productLine`, `product_line` and `Product-Line` all mean the same member.
    static func normalise(_ key: String) -> String {
        String(key.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// One JSON object of the inventory with typed accessors that report the member's path and line.
    struct Row {
        let line: Int
        let path: String
        let source: String
        var values: [String: LocatedJSON.Located] = [:]
        var spelled: [String: String] = [:]

        init(_ element: LocatedJSON.Located, path: String, allowed: Set<String>, source: String) throws(ImportError) {
            self.line = element.line
            self.path = path
            self.source = source
            guard case .object(let members, _) = element.value else {
                throw .format(source: source, line: element.line, message: "\(path) must be an object, not \(element.value.typeName)")
            }
            for (key, value) in members {
                let name = InventoryJSONReader.normalise(key)
                guard allowed.contains(name) else {
                    throw .field(
                        source: source, line: value.line, field: "\(path).\(key)",
                        message: "is not a known member; expected one of \(allowed.sorted().joined(separator: ", "))")
                }
                guard values[name] == nil else { throw .field(source: source, line: value.line, field: "\(path).\(key)", message: "appears twice") }
                values[name] = value
                spelled[name] = key
            }
        }

        func field(_ name: String) -> String { "\(path).\(spelled[name] ?? name)" }

        /// The line of a member's value, so an error points at the member rather than the start of its object.
        func line(of name: String) -> Int { values[name]?.line ?? line }

        func text(_ name: String, required: Bool) throws(ImportError) -> String? {
            guard let located = values[name] else {
                if required { throw .field(source: source, line: line, field: field(name), message: "is required") }
                return nil
            }
            let raw: String
            switch located.value {
            case .string(let text, _): raw = text
            case .number(let text, _): raw = text
            case .null: raw = ""
            default: throw .field(source: source, line: located.line, field: field(name), message: "must be a string, not \(located.value.typeName)")
            }
            return try InventoryField.text(raw, field: field(name), line: located.line, source: source, required: required)
        }

        func flag(_ name: String) throws(ImportError) -> Bool? {
            guard let located = values[name] else { return nil }
            switch located.value {
            case .bool(let value, _): return value
            case .null: return nil
            case .string(let text, _): return try InventoryField.flag(text, field: field(name), line: located.line, source: source)
            default:
                throw .field(source: source, line: located.line, field: field(name), message: "must be true or false, not \(located.value.typeName)")
            }
        }

        func model() throws(ImportError) -> String {
            if values["model"] != nil { return try text("model", required: true)! }
            if values["product"] != nil { return try text("product", required: true)! }
            throw .field(source: source, line: line, field: field("model"), message: "is required")
        }

        func product(required: Bool) throws(ImportError) -> InventoryDocument.ProductRow {
            .init(
                line: line, model: try model(), name: try text(values["productname"] != nil ? "productname" : "name", required: false),
                manufacturer: try text("manufacturer", required: false), productLine: try text("productline", required: false),
                trunk: try text("trunk", required: false), category: try text("category", required: false))
        }

        func release() throws(ImportError) -> InventoryDocument.ReleaseRow? {
            let versionKey = values["version"] != nil ? "version" : "firmware"
            guard
                let version = try text(
                    versionKey, required: values["releasedon"] != nil || values["supportuntil"] != nil || path.contains("releases"))
            else {
                return nil
            }
            let releasedOn = try InventoryField.day(
                try text("releasedon", required: false), field: field("releasedon"), line: line(of: "releasedon"), source: source)
            let supportUntil = try InventoryField.day(
                try text("supportuntil", required: false), field: field("supportuntil"), line: line(of: "supportuntil"), source: source)
            return .init(line: line, model: try model(), version: version, releasedOn: releasedOn, supportUntil: supportUntil)
        }
    }
}
