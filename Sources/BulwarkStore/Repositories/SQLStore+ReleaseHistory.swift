import BulwarkCore
import BulwarkFirmware
import SQLKit

extension SQLStore {
    /// The releases of one product of a readable organisation, oldest first, with their findings, components and file
    /// fingerprints, and what changed from each release to the next.
    public func releaseHistory(model: String, organisation: Identifier<Organisation>?, for principal: Principal) async throws -> ReleaseHistory {
        let org = try readableOrganisation(organisation, for: principal).rawValue
        return try await database.withConnection { db in
            guard
                let product = try await db.raw("SELECT id, name FROM products WHERE org_id = \(bind: org) AND model = \(bind: model)").first()
            else { throw AccessError.notFound("product \(model)") }
            let productID = try product.string("id")
            // SQLite sorts NULL first and PostgreSQL last; "IS NULL" first makes both put undated releases last.
            let releaseRows = try await db.raw(
                """
                SELECT r.id, r.version, r.released_on,
                       (SELECT COUNT(*) FROM devices d WHERE d.release_id = r.id AND d.org_id = r.org_id) AS devices
                FROM firmware_releases r WHERE r.org_id = \(bind: org) AND r.product_id = \(bind: productID)
                ORDER BY r.released_on IS NULL, r.released_on, r.version
                """
            ).all()
            var findings: [String: [Finding]] = [:]
            for row in try await db.raw(
                """
                SELECT f.id, f.org_id, f.subject_kind, f.subject_id, f.kind, f.severity, f.title, f.summary, f.location, f.rule, f.source,
                       f.observed_at, f.rule_version
                FROM findings f JOIN firmware_releases r ON r.id = f.subject_id AND r.org_id = f.org_id
                WHERE f.org_id = \(bind: org) AND f.subject_kind = 'release' AND r.product_id = \(bind: productID)
                """
            ).all() {
                let finding = try Self.finding(from: row)
                findings[finding.subject.identifier, default: []].append(finding)
            }
            var components: [String: [String: String]] = [:]
            for row in try await db.raw(
                """
                SELECT c.release_id, c.name, c.version FROM components c JOIN firmware_releases r ON r.id = c.release_id AND r.org_id = c.org_id
                WHERE c.org_id = \(bind: org) AND r.product_id = \(bind: productID) ORDER BY c.name, c.version
                """
            ).all() {
                let name = try row.string("name")
                let release = try row.string("release_id")
                if components[release]?[name] == nil { components[release, default: [:]][name] = try row.string("version") }
            }
            var files: [String: [String: String]] = [:]
            for row in try await db.raw(
                """
                SELECT f.release_id, f.path, f.sha256 FROM firmware_fingerprints f
                JOIN firmware_releases r ON r.id = f.release_id AND r.org_id = f.org_id
                WHERE f.org_id = \(bind: org) AND r.product_id = \(bind: productID)
                """
            ).all() {
                files[try row.string("release_id"), default: [:]][try row.string("path")] = try row.string("sha256")
            }
            let snapshots = try releaseRows.map { row in
                let id = try row.string("id")
                return ReleaseHistory.Snapshot(
                    version: try row.string("version"), releasedOn: try row.optionalString("released_on"), devices: try row.int("devices"),
                    findings: (findings[id] ?? []).sorted { ($0.severity, $1.title) > ($1.severity, $0.title) }, components: components[id] ?? [:],
                    files: files[id] ?? [:])
            }
            return ReleaseHistory(model: model, productName: try product.string("name"), releases: snapshots)
        }
    }
}
