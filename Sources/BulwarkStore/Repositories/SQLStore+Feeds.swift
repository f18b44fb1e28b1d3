import BulwarkCore
import BulwarkVulnerability
import Foundation
import SQLKit

/// What one feed import did. Importing the same file again reports every record unchanged.
public struct FeedImportReport: Hashable, Sendable, Codable {
    public var source: String
    public var file: String
    public var seen: Int
    public var changed: Int
    public var removed: Int
    public var skipped: Int

    public var unchanged: Int { seen - changed }

    public var summary: String {
        "\(source): \(seen) records read, \(changed) new or changed, \(unchanged) unchanged"
            + (removed > 0 ? ", \(removed) removed" : "") + (skipped > 0 ? ", \(skipped) malformed skipped" : "")
    }
}

extension SQLStore {
    /// Stores advisories from one feed file. Records whose `modified` time is the one already stored are left alone, so a
    /// re-import touches only what the feed changed. Feeds are shared reference data, imported by the service's operator
    /// (the command line), never through a tenant's request.
    public func importAdvisories(
        _ advisories: [Advisory], source: String, file: String, skipped: Int, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> FeedImportReport {
        let now = now()
        return try await database.transactionSession { session in
            let db = session.sql
            var stored: [String: String] = [:]
            for row in try await db.raw("SELECT id, modified FROM advisories WHERE source = \(bind: source)").all() {
                stored[try row.string("id")] = try row.string("modified")
            }
            var latest: [String: Advisory] = [:]
            for advisory in advisories where stored[advisory.id] != advisory.modified {
                // A file may carry one id twice; the later modification wins.
                if let other = latest[advisory.id], other.modified >= advisory.modified { continue }
                latest[advisory.id] = advisory
            }
            let changed = latest.values.sorted { $0.id < $1.id }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let ids = changed.map(\.id)
            for table in ["advisory_aliases", "advisory_packages", "advisory_cpes"] {
                try await Self.deleteWhere(table: table, column: "advisory_id", in: ids, db: db)
            }
            try await Self.deleteWhere(table: "advisories", column: "id", in: ids, db: db)
            var done = 0
            for chunk in stride(from: 0, to: changed.count, by: 300) {
                let slice = changed[chunk..<min(chunk + 300, changed.count)]
                var records: [[String?]] = []
                var aliases: [[String?]] = []
                var packages: [[String?]] = []
                var cpes: [[String?]] = []
                for a in slice {
                    let json = String(decoding: try encoder.encode(a), as: UTF8.self)
                    records.append([a.id, source, a.modified, a.published, a.summary, a.withdrawn, json, now, file])
                    for alias in Set(a.aliases) { aliases.append([alias, a.id]) }
                    for p in a.affected { packages.append([a.id, p.ecosystem, p.name, p.purl]) }
                    for m in a.cpeMatches where m.vulnerable {
                        let parts = CPEName.components(m.criteria)
                        cpes.append([a.id, parts.vendor, parts.product, m.criteria])
                    }
                }
                try await session.insert(
                    into: "advisories",
                    columns: ["id", "source", "modified", "published", "summary", "withdrawn", "record", "imported_at", "import_file"],
                    rows: records)
                for batch in Self.batches(aliases) {
                    try await session.insert(into: "advisory_aliases", columns: ["alias", "advisory_id"], rows: batch)
                }
                for batch in Self.batches(packages) {
                    try await session.insert(into: "advisory_packages", columns: ["advisory_id", "ecosystem", "name", "purl"], rows: batch)
                }
                for batch in Self.batches(cpes) {
                    try await session.insert(into: "advisory_cpes", columns: ["advisory_id", "vendor", "product", "criteria"], rows: batch)
                }
                done += slice.count
                progress?(done, changed.count)
            }
            let report = FeedImportReport(source: source, file: file, seen: advisories.count, changed: changed.count, removed: 0, skipped: skipped)
            try await Self.logImport(report, at: now, db: db)
            return report
        }
    }

    /// Replaces the stored KEV catalogue with this one, touching only entries that were added, changed or dropped.
    public func importKEV(_ catalogue: KEVCatalogue, file: String, skipped: Int) async throws -> FeedImportReport {
        let rows = catalogue.entries.map { e -> [String?] in
            [e.cveID, e.vendorProject, e.product, e.vulnerabilityName, e.dateAdded, e.dueDate, e.knownRansomwareCampaignUse, e.requiredAction]
        }
        return try await replaceSnapshot(
            table: "kev_entries", key: "cve_id",
            columns: ["cve_id", "vendor_project", "product", "name", "date_added", "due_date", "ransomware", "required_action"],
            versionColumn: ("catalog_version", catalogue.catalogVersion), rows: rows, source: "cisa-kev", file: file, skipped: skipped)
    }

    /// Replaces the stored EPSS scores with this day's file, touching only scores that changed.
    public func importEPSS(_ scores: EPSSScores, file: String, skipped: Int) async throws -> FeedImportReport {
        let rows = scores.scores.map { s -> [String?] in [s.cve, String(s.probability), String(s.percentile), scores.scoreDate] }
        return try await replaceSnapshot(
            table: "epss_scores", key: "cve_id", columns: ["cve_id", "probability", "percentile", "score_date"],
            versionColumn: ("model_version", scores.modelVersion ?? ""), rows: rows, source: "first-epss", file: file, skipped: skipped)
    }

    /// KEV status of CVEs, for showing beside matches.
    public func kevEntries(for cves: [String]) async throws -> [String: KEVCatalogue.Entry] {
        try await database.withConnection { db in
            var found: [String: KEVCatalogue.Entry] = [:]
            for chunk in Self.batches(cves.map { [$0] }, size: 500) {
                var sql: SQLQueryString =
                    "SELECT cve_id, vendor_project, product, name, date_added, due_date, ransomware, required_action FROM kev_entries WHERE cve_id IN ("
                for (index, row) in chunk.enumerated() { sql += index == 0 ? "\(bind: row[0])" : ", \(bind: row[0])" }
                sql += ")"
                for row in try await db.raw(sql).all() {
                    let entry = KEVCatalogue.Entry(
                        cveID: try row.string("cve_id"), vendorProject: try row.string("vendor_project"), product: try row.string("product"),
                        vulnerabilityName: try row.string("name"), dateAdded: try row.string("date_added"), dueDate: try row.string("due_date"),
                        knownRansomwareCampaignUse: try row.string("ransomware"), requiredAction: try row.string("required_action"))
                    found[entry.cveID] = entry
                }
            }
            return found
        }
    }

    /// Stored advisories by id (for tests and matching).
    public func advisory(id: String) async throws -> Advisory? {
        try await database.withConnection { db in
            guard let row = try await db.raw("SELECT record FROM advisories WHERE id = \(bind: id)").first() else { return nil }
            return try JSONDecoder().decode(Advisory.self, from: Data(try row.string("record").utf8))
        }
    }

    /// How many advisories each source has stored.
    public func advisoryCounts() async throws -> [String: Int] {
        try await database.withConnection { db in
            var counts: [String: Int] = [:]
            for row in try await db.raw("SELECT source, COUNT(*) AS n FROM advisories GROUP BY source").all() {
                counts[try row.string("source")] = try row.int("n")
            }
            return counts
        }
    }

    /// Ids of advisories that name an alias, e.g. every record about one CVE.
    public func advisoryIDs(alias: String) async throws -> [String] {
        try await database.withConnection { db in
            try await db.raw("SELECT advisory_id FROM advisory_aliases WHERE alias = \(bind: alias) ORDER BY advisory_id").all().map {
                try $0.string("advisory_id")
            }
        }
    }

    // MARK: Helpers

    private func replaceSnapshot(
        table: String, key: String, columns: [String], versionColumn: (String, String), rows: [[String?]], source: String, file: String, skipped: Int
    ) async throws -> FeedImportReport {
        let now = now()
        return try await database.transactionSession { session in
            let db = session.sql
            var stored: [String: [String?]] = [:]
            let list = columns.joined(separator: ", ")
            for row in try await db.raw(SQLQueryString(stringLiteral: "SELECT \(list) FROM \(table)")).all() {
                stored[try row.string(key)] = try columns.map { try row.optionalString($0) }
            }
            var incoming = Set<String>()
            var changed: [[String?]] = []
            for row in rows {
                guard let id = row[0], !incoming.contains(id) else { continue }
                incoming.insert(id)
                if stored[id] != row { changed.append(row) }
            }
            let removed = stored.keys.filter { !incoming.contains($0) }
            try await Self.deleteWhere(table: table, column: key, in: changed.compactMap { $0[0] } + removed, db: db)
            for batch in Self.batches(changed.map { $0 + [versionColumn.1] }) {
                try await session.insert(into: table, columns: columns + [versionColumn.0], rows: batch)
            }
            let report = FeedImportReport(
                source: source, file: file, seen: incoming.count, changed: changed.count, removed: removed.count, skipped: skipped)
            try await Self.logImport(report, at: now, db: db)
            return report
        }
    }

    static func deleteWhere(table: String, column: String, in values: [String], db: any SQLDatabase) async throws {
        for start in stride(from: 0, to: values.count, by: 500) {
            var sql = SQLQueryString(stringLiteral: "DELETE FROM \(table) WHERE \(column) IN (")
            for (index, value) in values[start..<min(start + 500, values.count)].enumerated() {
                sql += index == 0 ? "\(bind: value)" : ", \(bind: value)"
            }
            sql += ")"
            try await db.raw(sql).run()
        }
    }

    static func batches(_ rows: [[String?]], size: Int = 400) -> [[[String?]]] {
        stride(from: 0, to: rows.count, by: size).map { Array(rows[$0..<min($0 + size, rows.count)]) }
    }

    static func logImport(_ report: FeedImportReport, at now: String, db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO feed_imports (id, source, file, at, seen, changed, skipped)
            VALUES (\(bind: AuditSequence.next()), \(bind: report.source), \(bind: report.file), \(bind: now), \(bind: report.seen), \(bind: report.changed), \(bind: report.skipped))
            """
        ).run()
    }
}
