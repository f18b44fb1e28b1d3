import BulwarkCore
import BulwarkFirmware
import BulwarkVulnerability
import SQLKit

extension SQLStore {
    /// Product lines, products, releases and deployed devices of one readable organisation that contain a component.
    public func blastRadius(_ query: BlastRadius.Query, organisation: Identifier<Organisation>?, for principal: Principal) async throws -> BlastRadius
    {
        let org = try readableOrganisation(organisation, for: principal)
        let o = org.rawValue
        var filter: SQLQueryString
        switch query {
        case .purl(let purl):
            if purl.contains("@") {
                filter = "c.purl = \(bind: purl)"
            } else {
                // A versionless purl matches every version: the exact text, or the text followed by @version (purl-spec).
                filter = "(c.purl = \(bind: purl) OR c.purl LIKE \(bind: Self.likeEscaped(purl) + "@%") ESCAPE '\\')"
            }
        case .name(let name, let versions):
            filter = "c.name = \(bind: name)"
            if !versions.isEmpty {
                filter += " AND c.version IN ("
                for (index, version) in versions.enumerated() { filter += index == 0 ? "\(bind: version)" : ", \(bind: version)" }
                filter += ")"
            }
        case .nameInRange(let name, let range):
            guard let constraint = VersionConstraint(range) else {
                throw StoreError.invalid("\"\(range)\" is not a version range; write comparisons joined by commas, e.g. >=1.30,<1.36.1")
            }
            let rows = try await database.withConnection { db in
                try await db.raw("SELECT id, version FROM components WHERE org_id = \(bind: o) AND name = \(bind: name)").all()
            }
            filter = Self.idFilter(try rows.filter { constraint.contains(try $0.string("version")) }.map { try $0.string("id") })
        case .advisory(let id):
            let index = try await advisoryIndex()
            guard !index.advisories(named: id).isEmpty else { throw AccessError.notFound("advisory \(id) (import its feed first)") }
            let rows = try await database.withConnection { db in
                try await db.raw("SELECT id, name, version, purl, cpe FROM components WHERE org_id = \(bind: o)").all()
            }
            var ids: [String] = []
            var verdicts: [ComponentIdentity: Bool] = [:]
            for row in rows {
                let identity = ComponentIdentity(
                    name: try row.string("name"), version: try row.string("version"), purl: try row.optionalString("purl"),
                    cpe: try row.optionalString("cpe"))
                let hit = verdicts[identity] ?? index.matches(for: identity).contains { $0.ids.contains(id) }
                verdicts[identity] = hit
                if hit { ids.append(try row.string("id")) }
            }
            filter = Self.idFilter(ids)
        }
        let sql: SQLQueryString =
            """
            SELECT l.name AS line_name, l.trunk, p.model, p.name AS product_name, r.id AS release_id, r.version AS release_version, r.released_on,
                   c.version AS component_version, c.name AS component_name,
                   (SELECT COUNT(*) FROM devices d WHERE d.release_id = r.id AND d.org_id = r.org_id) AS devices
            FROM components c
            JOIN firmware_releases r ON r.id = c.release_id AND r.org_id = c.org_id
            JOIN products p ON p.id = r.product_id AND p.org_id = r.org_id
            LEFT JOIN product_lines l ON l.id = p.product_line_id AND l.org_id = p.org_id
            WHERE c.org_id = \(bind: o) AND
            """ + " " + filter
        return try await database.withConnection { db in
            var lines: [String: BlastRadius.ProductLine] = [:]
            var products: [String: BlastRadius.Product] = [:]
            var productLine: [String: String] = [:]
            var releases: [String: BlastRadius.Release] = [:]
            var releaseProduct: [String: String] = [:]
            var names = Set<String>()
            for row in try await db.raw(sql).all() {
                let lineName = try row.optionalString("line_name") ?? "(no product line)"
                let model = try row.string("model")
                let releaseID = try row.string("release_id")
                if lines[lineName] == nil { lines[lineName] = .init(name: lineName, trunk: try row.optionalString("trunk"), products: []) }
                if products[model] == nil { products[model] = .init(model: model, name: try row.string("product_name"), releases: []) }
                productLine[model] = lineName
                releaseProduct[releaseID] = model
                names.insert(try row.string("component_name"))
                let fresh = BlastRadius.Release(
                    version: try row.string("release_version"), releasedOn: try row.optionalString("released_on"), componentVersions: [],
                    devices: try row.int("devices"))
                var release = releases[releaseID] ?? fresh
                let componentVersion = try row.string("component_version")
                if !release.componentVersions.contains(componentVersion) { release.componentVersions.append(componentVersion) }
                releases[releaseID] = release
            }
            for (id, release) in releases { products[releaseProduct[id]!]!.releases.append(release) }
            for (model, var product) in products {
                product.releases.sort { ($0.releasedOn ?? "", $0.version) < ($1.releasedOn ?? "", $1.version) }
                lines[productLine[model]!]!.products.append(product)
            }
            let tree = lines.values.map { line -> BlastRadius.ProductLine in
                var line = line
                line.products.sort { $0.model < $1.model }
                return line
            }.sorted { $0.name < $1.name }
            let relatives = try await self.trunkBinaryReleases(names: names, matched: Set(releases.keys), organisation: o, db)
            return BlastRadius(query: query, organisation: o, productLines: tree, trunkBinaries: relatives)
        }
    }

    /// `c.id IN (…)`, or a filter that matches nothing for an empty list.
    static func idFilter(_ ids: [String]) -> SQLQueryString {
        guard !ids.isEmpty else { return "1 = 0" }
        var filter: SQLQueryString = "c.id IN ("
        for (index, id) in ids.enumerated() { filter += index == 0 ? "\(bind: id)" : ", \(bind: id)" }
        return filter + ")"
    }
}
