import BulwarkCore
import SQLKit

/// A component as supplied by an SBOM, a scan or a manufacturer's bill of materials.
public struct ComponentInput: Hashable, Sendable {
    public var name: String
    public var version: String
    public var supplier: String?
    public var purl: String?
    public var cpe: String?

    public init(name: String, version: String, supplier: String?, purl: String?, cpe: String?) {
        self.name = name
        self.version = version
        self.supplier = supplier
        self.purl = purl
        self.cpe = cpe
    }
}

extension SQLStore {
    /// Replaces the components of one firmware release of the principal's organisation, in one transaction.
    public func setComponents(
        _ components: [ComponentInput], model: String, version: String, by principal: Principal, origin: RequestOrigin
    ) async throws {
        try requireWriter(principal)
        let org = principal.organisation.rawValue
        try await database.transaction { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT r.id FROM firmware_releases r JOIN products p ON p.id = r.product_id AND p.org_id = r.org_id
                    WHERE r.org_id = \(bind: org) AND p.model = \(bind: model) AND r.version = \(bind: version)
                    """
                ).first()
            else { throw AccessError.notFound("release \(version) of \(model)") }
            let releaseID = try row.string("id")
            try await db.raw("DELETE FROM components WHERE org_id = \(bind: org) AND release_id = \(bind: releaseID)").run()
            for c in components {
                let id = Identifier<Component>.derived(from: org, releaseID, c.name, c.version).rawValue
                try await db.raw(
                    """
                    INSERT INTO components (id, org_id, release_id, name, version, supplier, purl, cpe)
                    VALUES (\(bind: id), \(bind: org), \(bind: releaseID), \(bind: c.name), \(bind: c.version), \(bind: c.supplier), \(bind: c.purl), \(bind: c.cpe))
                    """
                ).run()
            }
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "components.set", subject: "\(model) \(version)",
                detail: "\(components.count) components", origin: origin)
        }
    }

    /// Components of one release of an organisation the principal may read.
    public func components(
        model: String, version: String, organisation: Identifier<Organisation>?, for principal: Principal
    ) async throws -> [Component] {
        let org = try readableOrganisation(organisation, for: principal)
        return try await database.withConnection { db in
            try await db.raw(
                """
                SELECT c.id, c.release_id, c.name, c.version, c.supplier, c.purl, c.cpe FROM components c
                JOIN firmware_releases r ON r.id = c.release_id AND r.org_id = c.org_id
                JOIN products p ON p.id = r.product_id AND p.org_id = r.org_id
                WHERE c.org_id = \(bind: org.rawValue) AND p.model = \(bind: model) AND r.version = \(bind: version) ORDER BY c.name
                """
            ).all().map { row in
                Component(
                    id: .init(rawValue: try row.string("id")), organisation: org, release: .init(rawValue: try row.string("release_id")),
                    name: try row.string("name"), version: try row.string("version"), supplier: try row.optionalString("supplier"),
                    purl: try row.optionalString("purl"), cpe: try row.optionalString("cpe"))
            }
        }
    }
}
