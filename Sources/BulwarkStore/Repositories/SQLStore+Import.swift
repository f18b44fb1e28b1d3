import BulwarkCore
import SQLKit

extension SQLStore {
    /// Devices written per INSERT statement: 11 columns × 400 rows stays far below SQLite's and PostgreSQL's bind limits.
    static let deviceBatchSize = 400

    /// Applies an inventory document in one transaction: either every row is stored or none is.
    ///
    /// Rows are matched to what is stored by natural key (model, model+version, site, site+segment, serial), so importing
    /// the same document twice changes nothing. Empty optional values leave stored values as they are.
    public func importInventory(
        _ document: InventoryDocument, by principal: Principal, origin: RequestOrigin,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) async throws -> ImportReport {
        try requireWriter(principal)
        let org = principal.organisation
        return try await database.transactionSession { session in
            let db = session.sql
            var report = ImportReport()
            var snapshot = try await InventorySnapshot.load(org: org, db: db)

            // Product lines and products.
            for row in document.products {
                var lineID: String? = nil
                if let lineName = row.productLine {
                    lineID = try await snapshot.upsertLine(name: lineName, trunk: row.trunk, org: org, db: db)
                }
                try await snapshot.upsertProduct(row, lineID: lineID, org: org, db: db, report: &report)
            }
            // Firmware releases.
            for row in document.releases {
                guard let product = snapshot.products[row.model] else {
                    throw ImportError.field(
                        source: document.source, line: row.line, field: "model", message: "no product with model \"\(row.model)\" is known")
                }
                try await snapshot.upsertRelease(row, productID: product.id, org: org, db: db, report: &report)
            }
            // Sites and segments.
            for row in document.segments {
                let siteID = try await snapshot.ensureSite(row.site, org: org, db: db, report: &report)
                try await snapshot.upsertSegment(row, siteID: siteID, org: org, db: db, report: &report)
            }
            // Devices.
            var pending: [InventorySnapshot.DeviceState] = []
            var done = 0
            for row in document.devices {
                guard let product = snapshot.products[row.model] else {
                    throw ImportError.field(
                        source: document.source, line: row.line, field: "model", message: "no product with model \"\(row.model)\" is known")
                }
                var releaseID: String? = nil
                if let firmware = row.firmware {
                    guard let release = snapshot.releases[row.model + "\u{1F}" + firmware] else {
                        throw ImportError.field(
                            source: document.source, line: row.line, field: "firmware", message: "no release \(firmware) of \(row.model) is known")
                    }
                    releaseID = release.id
                }
                var siteID: String? = nil
                if let site = row.site { siteID = try await snapshot.ensureSite(site, org: org, db: db, report: &report) }
                var segmentID: String? = nil
                if let segment = row.segment, let site = row.site {
                    segmentID = snapshot.segments[site + "\u{1F}" + segment]?.id
                }
                let existing = snapshot.devices[row.serial]
                let state = InventorySnapshot.DeviceState(
                    id: existing?.id ?? Identifier<Device>.derived(from: org.rawValue, "device", row.serial).rawValue,
                    serial: row.serial, productID: product.id, releaseID: releaseID ?? existing?.releaseID, siteID: siteID ?? existing?.siteID,
                    segmentID: segmentID ?? existing?.segmentID, ip: row.ipAddress?.text ?? existing?.ip, mac: row.macAddress?.text ?? existing?.mac,
                    credentialState: row.credentialState == .unknown
                        ? (existing?.credentialState ?? CredentialState.unknown.rawValue) : row.credentialState.rawValue,
                    lastSeen: row.lastSeen ?? existing?.lastSeen)
                if let existing {
                    if existing == state {
                        report.devicesUnchanged += 1
                    } else {
                        try await InventorySnapshot.updateDevice(state, org: org, db: db)
                        report.devicesUpdated += 1
                    }
                } else {
                    pending.append(state)
                    report.devicesCreated += 1
                    if pending.count == Self.deviceBatchSize {
                        try await InventorySnapshot.insertDevices(pending, org: org, session: session)
                        pending.removeAll(keepingCapacity: true)
                    }
                }
                snapshot.devices[row.serial] = state
                done += 1
                if done % 2000 == 0 { progress?(done, document.devices.count) }
            }
            if !pending.isEmpty { try await InventorySnapshot.insertDevices(pending, org: org, session: session) }
            progress?(document.devices.count, document.devices.count)
            if report.changedAnything {
                try await audit(
                    db, organisation: org, actor: principal.auditName, action: "inventory.import", subject: document.source, detail: report.summary,
                    origin: origin)
            }
            return report
        }
    }
}

/// What an organisation already has stored, keyed the way inventory files refer to it.
struct InventorySnapshot {
    struct ProductState: Equatable {
        var id: String
        var name: String
        var manufacturer: String
        var lineID: String?
        var category: String
    }

    struct ReleaseState: Equatable {
        var id: String
        var releasedOn: String?
        var supportUntil: String?
    }

    struct SegmentState: Equatable {
        var id: String
        var exposed: Bool
    }

    struct DeviceState: Equatable {
        var id: String
        var serial: String
        var productID: String
        var releaseID: String?
        var siteID: String?
        var segmentID: String?
        var ip: String?
        var mac: String?
        var credentialState: String
        var lastSeen: String?
    }

    var lines: [String: (id: String, trunk: String?)] = [:]
    var products: [String: ProductState] = [:]
    var releases: [String: ReleaseState] = [:]
    var sites: [String: String] = [:]
    var segments: [String: SegmentState] = [:]
    var devices: [String: DeviceState] = [:]

    static func load(org: Identifier<Organisation>, db: any SQLDatabase) async throws -> InventorySnapshot {
        var snapshot = InventorySnapshot()
        let o = org.rawValue
        for row in try await db.raw("SELECT id, name, trunk FROM product_lines WHERE org_id = \(bind: o)").all() {
            snapshot.lines[try row.string("name")] = (try row.string("id"), try row.optionalString("trunk"))
        }
        for row in try await db.raw("SELECT id, model, name, manufacturer, product_line_id, category FROM products WHERE org_id = \(bind: o)").all() {
            snapshot.products[try row.string("model")] = ProductState(
                id: try row.string("id"), name: try row.string("name"), manufacturer: try row.string("manufacturer"),
                lineID: try row.optionalString("product_line_id"), category: try row.string("category"))
        }
        for row in try await db.raw(
            "SELECT r.id, p.model, r.version, r.released_on, r.support_until FROM firmware_releases r JOIN products p ON p.id = r.product_id WHERE r.org_id = \(bind: o)"
        ).all() {
            snapshot.releases[try row.string("model") + "\u{1F}" + row.string("version")] = ReleaseState(
                id: try row.string("id"), releasedOn: try row.optionalString("released_on"), supportUntil: try row.optionalString("support_until"))
        }
        for row in try await db.raw("SELECT id, name FROM sites WHERE org_id = \(bind: o)").all() {
            snapshot.sites[try row.string("name")] = try row.string("id")
        }
        for row in try await db.raw(
            "SELECT g.id, s.name AS site_name, g.name, g.internet_exposed FROM network_segments g JOIN sites s ON s.id = g.site_id WHERE g.org_id = \(bind: o)"
        ).all() {
            snapshot.segments[try row.string("site_name") + "\u{1F}" + row.string("name")] = SegmentState(
                id: try row.string("id"), exposed: try row.int("internet_exposed") != 0)
        }
        for row in try await db.raw(
            "SELECT id, serial, product_id, release_id, site_id, segment_id, ip, mac, credential_state, last_seen FROM devices WHERE org_id = \(bind: o)"
        ).all() {
            let serial = try row.string("serial")
            snapshot.devices[serial] = DeviceState(
                id: try row.string("id"), serial: serial, productID: try row.string("product_id"), releaseID: try row.optionalString("release_id"),
                siteID: try row.optionalString("site_id"), segmentID: try row.optionalString("segment_id"), ip: try row.optionalString("ip"),
                mac: try row.optionalString("mac"), credentialState: try row.string("credential_state"), lastSeen: try row.optionalString("last_seen")
            )
        }
        return snapshot
    }

    mutating func upsertLine(name: String, trunk: String?, org: Identifier<Organisation>, db: any SQLDatabase) async throws -> String {
        if let existing = lines[name] {
            if let trunk, trunk != existing.trunk {
                try await db.raw("UPDATE product_lines SET trunk = \(bind: trunk) WHERE id = \(bind: existing.id) AND org_id = \(bind: org.rawValue)")
                    .run()
                lines[name] = (existing.id, trunk)
            }
            return existing.id
        }
        let id = Identifier<ProductLine>.derived(from: org.rawValue, "product-line", name).rawValue
        try await db.raw(
            "INSERT INTO product_lines (id, org_id, name, trunk) VALUES (\(bind: id), \(bind: org.rawValue), \(bind: name), \(bind: trunk))"
        ).run()
        lines[name] = (id, trunk)
        return id
    }

    mutating func upsertProduct(
        _ row: InventoryDocument.ProductRow, lineID: String?, org: Identifier<Organisation>, db: any SQLDatabase, report: inout ImportReport
    ) async throws {
        let existing = products[row.model]
        let state = ProductState(
            id: existing?.id ?? Identifier<Product>.derived(from: org.rawValue, "product", row.model).rawValue,
            name: row.name ?? existing?.name ?? row.model, manufacturer: row.manufacturer ?? existing?.manufacturer ?? "",
            lineID: lineID ?? existing?.lineID, category: row.category ?? existing?.category ?? "")
        if existing == nil {
            try await db.raw(
                """
                INSERT INTO products (id, org_id, model, name, manufacturer, product_line_id, category)
                VALUES (\(bind: state.id), \(bind: org.rawValue), \(bind: row.model), \(bind: state.name), \(bind: state.manufacturer), \(bind: state.lineID), \(bind: state.category))
                """
            ).run()
            report.productsCreated += 1
        } else if existing != state {
            try await db.raw(
                """
                UPDATE products SET name = \(bind: state.name), manufacturer = \(bind: state.manufacturer), product_line_id = \(bind: state.lineID),
                category = \(bind: state.category) WHERE id = \(bind: state.id) AND org_id = \(bind: org.rawValue)
                """
            ).run()
            report.productsUpdated += 1
        }
        products[row.model] = state
    }

    mutating func upsertRelease(
        _ row: InventoryDocument.ReleaseRow, productID: String, org: Identifier<Organisation>, db: any SQLDatabase, report: inout ImportReport
    ) async throws {
        let key = row.model + "\u{1F}" + row.version
        let existing = releases[key]
        let state = ReleaseState(
            id: existing?.id ?? Identifier<FirmwareRelease>.derived(from: org.rawValue, "release", row.model, row.version).rawValue,
            releasedOn: row.releasedOn?.description ?? existing?.releasedOn, supportUntil: row.supportUntil?.description ?? existing?.supportUntil)
        if existing == nil {
            try await db.raw(
                """
                INSERT INTO firmware_releases (id, org_id, product_id, version, released_on, support_until)
                VALUES (\(bind: state.id), \(bind: org.rawValue), \(bind: productID), \(bind: row.version), \(bind: state.releasedOn), \(bind: state.supportUntil))
                """
            ).run()
            report.releasesCreated += 1
        } else if existing != state {
            try await db.raw(
                """
                UPDATE firmware_releases SET released_on = \(bind: state.releasedOn), support_until = \(bind: state.supportUntil)
                WHERE id = \(bind: state.id) AND org_id = \(bind: org.rawValue)
                """
            ).run()
            report.releasesUpdated += 1
        }
        releases[key] = state
    }

    mutating func ensureSite(_ name: String, org: Identifier<Organisation>, db: any SQLDatabase, report: inout ImportReport) async throws -> String {
        if let id = sites[name] { return id }
        let id = Identifier<Site>.derived(from: org.rawValue, "site", name).rawValue
        try await db.raw("INSERT INTO sites (id, org_id, name) VALUES (\(bind: id), \(bind: org.rawValue), \(bind: name))").run()
        sites[name] = id
        report.sitesCreated += 1
        return id
    }

    mutating func upsertSegment(
        _ row: InventoryDocument.SegmentRow, siteID: String, org: Identifier<Organisation>, db: any SQLDatabase, report: inout ImportReport
    ) async throws {
        let key = row.site + "\u{1F}" + row.name
        let existing = segments[key]
        let state = SegmentState(
            id: existing?.id ?? Identifier<NetworkSegment>.derived(from: org.rawValue, "segment", row.site, row.name).rawValue,
            exposed: row.internetExposed ?? existing?.exposed ?? false)
        if existing == nil {
            try await db.raw(
                """
                INSERT INTO network_segments (id, org_id, site_id, name, internet_exposed)
                VALUES (\(bind: state.id), \(bind: org.rawValue), \(bind: siteID), \(bind: row.name), \(bind: state.exposed ? 1 : 0))
                """
            ).run()
            report.segmentsCreated += 1
        } else if existing != state {
            try await db.raw(
                "UPDATE network_segments SET internet_exposed = \(bind: state.exposed ? 1 : 0) WHERE id = \(bind: state.id) AND org_id = \(bind: org.rawValue)"
            ).run()
            report.segmentsUpdated += 1
        }
        segments[key] = state
    }

    static let deviceColumns = [
        "id", "org_id", "serial", "product_id", "release_id", "site_id", "segment_id", "ip", "mac", "credential_state", "last_seen",
    ]

    static func insertDevices(_ devices: [DeviceState], org: Identifier<Organisation>, session: DatabaseSession) async throws {
        try await session.insert(
            into: "devices", columns: deviceColumns,
            rows: devices.map { d in
                [d.id, org.rawValue, d.serial, d.productID, d.releaseID, d.siteID, d.segmentID, d.ip, d.mac, d.credentialState, d.lastSeen]
            })
    }

    static func updateDevice(_ d: DeviceState, org: Identifier<Organisation>, db: any SQLDatabase) async throws {
        try await db.raw(
            """
            UPDATE devices SET product_id = \(bind: d.productID), release_id = \(bind: d.releaseID), site_id = \(bind: d.siteID),
            segment_id = \(bind: d.segmentID), ip = \(bind: d.ip), mac = \(bind: d.mac), credential_state = \(bind: d.credentialState),
            last_seen = \(bind: d.lastSeen) WHERE id = \(bind: d.id) AND org_id = \(bind: org.rawValue)
            """
        ).run()
    }
}
