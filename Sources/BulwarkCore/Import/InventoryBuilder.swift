/// Collects rows into an `InventoryDocument`, merging repeats and refusing contradictions.
struct InventoryBuilder {
    private(set) var document: InventoryDocument
    private var productIndex: [String: Int] = [:]
    private var releaseIndex: [String: Int] = [:]
    private var segmentIndex: [String: Int] = [:]
    private var deviceLines: [String: Int] = [:]

    init(source: String) {
        document = InventoryDocument(source: source)
    }

    mutating func addProduct(_ row: InventoryDocument.ProductRow) throws(ImportError) {
        guard let existing = productIndex[row.model] else {
            productIndex[row.model] = document.products.count
            document.products.append(row)
            return
        }
        var merged = document.products[existing]
        try merge(&merged.name, row.name, field: "product_name", line: row.line, firstLine: merged.line)
        try merge(&merged.manufacturer, row.manufacturer, field: "manufacturer", line: row.line, firstLine: merged.line)
        try merge(&merged.productLine, row.productLine, field: "product_line", line: row.line, firstLine: merged.line)
        try merge(&merged.trunk, row.trunk, field: "trunk", line: row.line, firstLine: merged.line)
        try merge(&merged.category, row.category, field: "category", line: row.line, firstLine: merged.line)
        document.products[existing] = merged
    }

    mutating func addRelease(_ row: InventoryDocument.ReleaseRow) throws(ImportError) {
        let key = row.model + "\u{1F}" + row.version
        guard let existing = releaseIndex[key] else {
            releaseIndex[key] = document.releases.count
            document.releases.append(row)
            return
        }
        var merged = document.releases[existing]
        try merge(&merged.releasedOn, row.releasedOn, field: "released_on", line: row.line, firstLine: merged.line)
        try merge(&merged.supportUntil, row.supportUntil, field: "support_until", line: row.line, firstLine: merged.line)
        document.releases[existing] = merged
    }

    mutating func addSegment(_ row: InventoryDocument.SegmentRow) throws(ImportError) {
        let key = row.site + "\u{1F}" + row.name
        guard let existing = segmentIndex[key] else {
            segmentIndex[key] = document.segments.count
            document.segments.append(row)
            return
        }
        var merged = document.segments[existing]
        try merge(&merged.internetExposed, row.internetExposed, field: "internet_exposed", line: row.line, firstLine: merged.line)
        document.segments[existing] = merged
    }

    mutating func addDevice(_ row: InventoryDocument.DeviceRow) throws(ImportError) {
        if let first = deviceLines[row.serial] {
            throw .field(source: document.source, line: row.line, field: "serial", message: "\"\(row.serial)\" already appears on line \(first)")
        }
        deviceLines[row.serial] = row.line
        document.devices.append(row)
    }

    private func merge<T: Equatable>(_ current: inout T?, _ incoming: T?, field: String, line: Int, firstLine: Int) throws(ImportError) {
        guard let incoming else { return }
        guard let existing = current else {
            current = incoming
            return
        }
        guard existing == incoming else {
            throw .field(
                source: document.source, line: line, field: field, message: "\"\(incoming)\" contradicts \"\(existing)\" given on line \(firstLine)")
        }
    }
}
