import BulwarkCore
import SQLKit

/// A product with how many devices and releases it has.
public struct ProductSummary: Hashable, Sendable, Codable {
    public var product: Product
    public var productLineName: String?
    public var trunk: String?
    public var releases: [FirmwareRelease]
    public var deviceCount: Int
}

/// A site with its segments and device counts.
public struct SiteSummary: Hashable, Sendable, Codable {
    public struct Segment: Hashable, Sendable, Codable {
        public var name: String
        public var internetExposed: Bool
        public var deviceCount: Int
    }

    public var name: String
    public var segments: [Segment]
    public var deviceCount: Int
}

extension SQLStore {
    static let deviceColumns: SQLQueryString = """
        SELECT d.id, d.org_id, d.serial, p.model, p.name AS product_name, p.manufacturer, p.category, r.version, r.released_on,
               r.support_until, s.name AS site_name, g.name AS segment_name, COALESCE(g.internet_exposed, 0) AS exposed, d.ip, d.mac,
               d.credential_state, d.last_seen
        FROM devices d
        JOIN products p ON p.id = d.product_id AND p.org_id = d.org_id
        LEFT JOIN firmware_releases r ON r.id = d.release_id AND r.org_id = d.org_id
        LEFT JOIN sites s ON s.id = d.site_id AND s.org_id = d.org_id
        LEFT JOIN network_segments g ON g.id = d.segment_id AND g.org_id = d.org_id
        """

    /// One page of the devices the principal may read, filtered.
    public func devices(_ query: DeviceQuery, for principal: Principal) async throws -> DevicePage {
        let org = try readableOrganisation(query.organisation, for: principal)
        // Filters are written against `devices` alone (names become id subqueries), so the count needs no joins and the
        // page walks the (org_id, serial) index in order, joining only the rows it returns.
        let o = org.rawValue
        var filter: SQLQueryString = " WHERE d.org_id = \(bind: o)"
        if let model = query.model {
            filter += " AND d.product_id IN (SELECT id FROM products WHERE org_id = \(bind: o) AND model = \(bind: model))"
        }
        if let site = query.site { filter += " AND d.site_id IN (SELECT id FROM sites WHERE org_id = \(bind: o) AND name = \(bind: site))" }
        if let segment = query.segment {
            filter += " AND d.segment_id IN (SELECT id FROM network_segments WHERE org_id = \(bind: o) AND name = \(bind: segment))"
        }
        if let state = query.credentialState { filter += " AND d.credential_state = \(bind: state.rawValue)" }
        if let exposed = query.internetExposed {
            let exposedSegments: SQLQueryString = "SELECT id FROM network_segments WHERE org_id = \(bind: o) AND internet_exposed = 1"
            filter +=
                exposed
                ? " AND d.segment_id IN (" + exposedSegments + ")" : " AND (d.segment_id IS NULL OR d.segment_id NOT IN (" + exposedSegments + "))"
        }
        if let search = query.search?.lowercased(), !search.isEmpty {
            // LIKE is case-insensitive in SQLite and case-sensitive in PostgreSQL; comparing lower-cased text makes both agree.
            let pattern = Self.likeEscaped(search) + "%"
            filter +=
                " AND (LOWER(d.serial) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(COALESCE(d.ip, '')) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(COALESCE(d.mac, '')) LIKE \(bind: pattern) ESCAPE '\\')"
        }
        let countSQL: SQLQueryString = "SELECT COUNT(*) AS n FROM devices d" + filter
        let pageSQL = Self.deviceColumns + filter + " ORDER BY d.serial LIMIT \(bind: query.perPage) OFFSET \(bind: (query.page - 1) * query.perPage)"
        return try await database.withConnection { db in
            let total = try await db.raw(countSQL).first()?.int("n") ?? 0
            let rows = try await db.raw(pageSQL).all()
            return DevicePage(devices: try rows.map(Self.deviceSummary(from:)), total: total, page: query.page, perPage: query.perPage)
        }
    }

    /// One device by serial, if the principal may read its organisation.
    public func device(serial: String, organisation: Identifier<Organisation>?, for principal: Principal) async throws -> DeviceSummary {
        let org = try readableOrganisation(organisation, for: principal)
        return try await database.withConnection { db in
            guard let row = try await db.raw(Self.deviceColumns + " WHERE d.org_id = \(bind: org.rawValue) AND d.serial = \(bind: serial)").first()
            else {
                throw AccessError.notFound("device \(serial)")
            }
            return try Self.deviceSummary(from: row)
        }
    }

    /// The fleet at a glance for one organisation the principal may read.
    public func fleetOverview(organisation: Identifier<Organisation>?, for principal: Principal, on day: CalendarDay) async throws -> FleetOverview {
        let org = try readableOrganisation(organisation, for: principal).rawValue
        return try await database.withConnection { db in
            func count(_ sql: SQLQueryString) async throws -> Int { try await db.raw(sql).first()?.int("n") ?? 0 }
            let total = try await count("SELECT COUNT(*) AS n FROM devices WHERE org_id = \(bind: org)")
            let byProduct = try await db.raw(
                """
                SELECT p.model, p.name, COUNT(*) AS n FROM devices d JOIN products p ON p.id = d.product_id AND p.org_id = d.org_id
                WHERE d.org_id = \(bind: org) GROUP BY p.model, p.name ORDER BY n DESC, p.model
                """
            ).all().map { FleetOverview.Count(label: "\(try $0.string("name")) (\(try $0.string("model")))", count: try $0.int("n")) }
            var ages = Dictionary(uniqueKeysWithValues: FleetOverview.ageBuckets.map { ($0, 0) })
            var outOfSupport = 0
            for row in try await db.raw(
                """
                SELECT r.released_on, r.support_until, COUNT(*) AS n FROM devices d
                LEFT JOIN firmware_releases r ON r.id = d.release_id AND r.org_id = d.org_id
                WHERE d.org_id = \(bind: org) GROUP BY r.released_on, r.support_until
                """
            ).all() {
                let n = try row.int("n")
                let released = try row.day("released_on")
                ages[FleetOverview.ageBucket(days: released.map { day.daysSinceEpoch - $0.daysSinceEpoch }), default: 0] += n
                if let until = try row.day("support_until"), until < day { outOfSupport += n }
            }
            let defaults = try await count("SELECT COUNT(*) AS n FROM devices WHERE org_id = \(bind: org) AND credential_state = 'default'")
            let exposed = try await count(
                """
                SELECT COUNT(*) AS n FROM devices d JOIN network_segments g ON g.id = d.segment_id AND g.org_id = d.org_id
                WHERE d.org_id = \(bind: org) AND g.internet_exposed = 1
                """)
            let exposedDefaults = try await count(
                """
                SELECT COUNT(*) AS n FROM devices d JOIN network_segments g ON g.id = d.segment_id AND g.org_id = d.org_id
                WHERE d.org_id = \(bind: org) AND g.internet_exposed = 1 AND d.credential_state = 'default'
                """)
            let sites = try await count("SELECT COUNT(*) AS n FROM sites WHERE org_id = \(bind: org)")
            return FleetOverview(
                totalDevices: total, byProduct: byProduct, byFirmwareAge: FleetOverview.ageBuckets.map { .init(label: $0, count: ages[$0] ?? 0) },
                outOfSupport: outOfSupport, defaultCredentials: defaults, internetExposed: exposed, exposedWithDefaultCredentials: exposedDefaults,
                sites: sites)
        }
    }

    /// Products of one organisation the principal may read, with their releases and device counts.
    public func products(organisation: Identifier<Organisation>?, for principal: Principal) async throws -> [ProductSummary] {
        let org = try readableOrganisation(organisation, for: principal)
        return try await database.withConnection { db in
            var releasesByProduct: [String: [FirmwareRelease]] = [:]
            // SQLite sorts NULL first and PostgreSQL last; "IS NULL" first makes both put unknown values last.
            for row in try await db.raw(
                """
                SELECT id, product_id, version, released_on, support_until FROM firmware_releases WHERE org_id = \(bind: org.rawValue)
                ORDER BY released_on IS NULL, released_on, version
                """
            ).all() {
                let productID = try row.string("product_id")
                releasesByProduct[productID, default: []].append(
                    FirmwareRelease(
                        id: .init(rawValue: try row.string("id")), organisation: org, product: .init(rawValue: productID),
                        version: try row.string("version"),
                        releasedOn: try row.day("released_on"), supportUntil: try row.day("support_until")))
            }
            return try await db.raw(
                """
                SELECT p.id, p.model, p.name, p.manufacturer, p.product_line_id, p.category, l.name AS line_name, l.trunk,
                       (SELECT COUNT(*) FROM devices d WHERE d.product_id = p.id AND d.org_id = p.org_id) AS n
                FROM products p LEFT JOIN product_lines l ON l.id = p.product_line_id AND l.org_id = p.org_id
                WHERE p.org_id = \(bind: org.rawValue) ORDER BY l.name IS NULL, l.name, p.model
                """
            ).all().map { row in
                let id = try row.string("id")
                return ProductSummary(
                    product: Product(
                        id: .init(rawValue: id), organisation: org, model: try row.string("model"), name: try row.string("name"),
                        manufacturer: try row.string("manufacturer"),
                        productLine: try row.optionalString("product_line_id").map { .init(rawValue: $0) },
                        category: try row.string("category")),
                    productLineName: try row.optionalString("line_name"), trunk: try row.optionalString("trunk"),
                    releases: releasesByProduct[id] ?? [],
                    deviceCount: try row.int("n"))
            }
        }
    }

    /// Sites of one organisation the principal may read, with segments and device counts.
    public func sites(organisation: Identifier<Organisation>?, for principal: Principal) async throws -> [SiteSummary] {
        let org = try readableOrganisation(organisation, for: principal).rawValue
        return try await database.withConnection { db in
            var sites: [String: SiteSummary] = [:]
            for row in try await db.raw(
                """
                SELECT s.name, (SELECT COUNT(*) FROM devices d WHERE d.site_id = s.id AND d.org_id = s.org_id) AS n
                FROM sites s WHERE s.org_id = \(bind: org)
                """
            ).all() {
                let name = try row.string("name")
                sites[name] = SiteSummary(name: name, segments: [], deviceCount: try row.int("n"))
            }
            for row in try await db.raw(
                """
                SELECT s.name AS site_name, g.name, g.internet_exposed,
                       (SELECT COUNT(*) FROM devices d WHERE d.segment_id = g.id AND d.org_id = g.org_id) AS n
                FROM network_segments g JOIN sites s ON s.id = g.site_id AND s.org_id = g.org_id WHERE g.org_id = \(bind: org) ORDER BY g.name
                """
            ).all() {
                sites[try row.string("site_name")]?.segments.append(
                    .init(name: try row.string("name"), internetExposed: try row.int("internet_exposed") != 0, deviceCount: try row.int("n")))
            }
            return sites.values.sorted { $0.name < $1.name }
        }
    }

    static func likeEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    static func deviceSummary(from row: any SQLRow) throws -> DeviceSummary {
        let stateText = try row.string("credential_state")
        return DeviceSummary(
            id: .init(rawValue: try row.string("id")), organisation: .init(rawValue: try row.string("org_id")), serial: try row.string("serial"),
            model: try row.string("model"), productName: try row.string("product_name"), manufacturer: try row.string("manufacturer"),
            category: try row.string("category"), firmwareVersion: try row.optionalString("version"), firmwareReleasedOn: try row.day("released_on"),
            supportUntil: try row.day("support_until"), site: try row.optionalString("site_name"), segment: try row.optionalString("segment_name"),
            internetExposed: try row.int("exposed") != 0, ipAddress: try row.optionalString("ip"), macAddress: try row.optionalString("mac"),
            credentialState: CredentialState(rawValue: stateText) ?? .unknown, lastSeen: try row.optionalString("last_seen"))
    }
}
