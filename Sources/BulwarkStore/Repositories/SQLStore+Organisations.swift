import BulwarkCore
import SQLKit

extension SQLStore {
    /// Creates an organisation. Administrative: used by the command line and the demo, not exposed to tenants.
    @discardableResult
    public func createOrganisation(name: String, kind: Organisation.Kind, origin: RequestOrigin = .commandLine) async throws -> Organisation {
        let organisation = Organisation(id: .random(), name: name, kind: kind)
        try await database.transaction { db in
            if try await db.raw("SELECT id FROM organisations WHERE name = \(bind: name)").first() != nil {
                throw StoreError.constraint("an organisation named \"\(name)\" already exists")
            }
            try await db.raw(
                "INSERT INTO organisations (id, name, kind, created_at) VALUES (\(bind: organisation.id.rawValue), \(bind: name), \(bind: kind.rawValue), \(bind: now()))"
            ).run()
            try await audit(
                db, organisation: organisation.id, actor: "system:cli", action: "organisation.create", subject: name, detail: kind.rawValue,
                origin: origin)
        }
        return organisation
    }

    /// Looks an organisation up by exact name. Administrative.
    public func organisation(named name: String) async throws -> Organisation? {
        try await database.withConnection { db in
            try await db.raw("SELECT id, name, kind FROM organisations WHERE name = \(bind: name)").first().map(Self.organisation(from:))
        }
    }

    /// Every organisation. Administrative (the command line's own view of the database it was pointed at).
    public func allOrganisations() async throws -> [Organisation] {
        try await database.withConnection { db in
            try await db.raw("SELECT id, name, kind FROM organisations ORDER BY name").all().map(Self.organisation(from:))
        }
    }

    /// The principal's own organisation and those that shared their data with it.
    public func organisations(visibleTo principal: Principal) async throws -> [Organisation] {
        let ids = [principal.organisation] + principal.sharedWithMe.sorted()
        return try await database.withConnection { db in
            var found: [Organisation] = []
            for id in ids {
                if let row = try await db.raw("SELECT id, name, kind FROM organisations WHERE id = \(bind: id.rawValue)").first() {
                    found.append(try Self.organisation(from: row))
                }
            }
            return found
        }
    }

    /// Grants an insurer read-only access to the principal's organisation. Operators' owners only.
    public func share(with reader: Identifier<Organisation>, by principal: Principal, origin: RequestOrigin) async throws {
        try requireOwner(principal)
        guard principal.organisationKind == .operator else { throw AccessError.forbidden("only an operator shares its fleet data") }
        try await database.transaction { db in
            // Another organisation that is not an insurer is reported exactly like a missing one, so ids cannot be probed for names.
            guard let row = try await db.raw("SELECT id, name, kind FROM organisations WHERE id = \(bind: reader.rawValue)").first(),
                let target = try? Self.organisation(from: row), target.kind == .insurer
            else {
                throw AccessError.notFound("insurer \(reader)")
            }
            let existing = try await db.raw(
                "SELECT owner_org FROM data_shares WHERE owner_org = \(bind: principal.organisation.rawValue) AND reader_org = \(bind: reader.rawValue)"
            ).first()
            guard existing == nil else { return }
            try await db.raw(
                "INSERT INTO data_shares (owner_org, reader_org, created_at) VALUES (\(bind: principal.organisation.rawValue), \(bind: reader.rawValue), \(bind: now()))"
            ).run()
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "share.grant", subject: target.name,
                detail: "read-only", origin: origin)
        }
    }

    /// Withdraws a share. Operators' owners only.
    public func unshare(with reader: Identifier<Organisation>, by principal: Principal, origin: RequestOrigin) async throws {
        try requireOwner(principal)
        try await database.transaction { db in
            try await db.raw(
                "DELETE FROM data_shares WHERE owner_org = \(bind: principal.organisation.rawValue) AND reader_org = \(bind: reader.rawValue)"
            ).run()
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "share.revoke", subject: reader.rawValue, detail: "",
                origin: origin)
        }
    }

    /// Organisations that shared their data with `reader`.
    func sharedWith(_ reader: Identifier<Organisation>, db: any SQLDatabase) async throws -> Set<Identifier<Organisation>> {
        let rows = try await db.raw("SELECT owner_org FROM data_shares WHERE reader_org = \(bind: reader.rawValue)").all()
        return Set(try rows.map { Identifier(rawValue: try $0.string("owner_org")) })
    }

    /// A principal for the command line acting as an owner of `organisation`.
    public func systemPrincipal(for organisation: Organisation) async throws -> Principal {
        try await database.withConnection { db in
            Principal(
                actor: .system("cli"), organisation: organisation.id, organisationKind: organisation.kind, role: .owner,
                sharedWithMe: try await sharedWith(organisation.id, db: db))
        }
    }

    static func organisation(from row: any SQLRow) throws -> Organisation {
        let kindText = try row.string("kind")
        guard let kind = Organisation.Kind(rawValue: kindText) else { throw StoreError.corrupt("organisation kind \"\(kindText)\"") }
        return Organisation(id: .init(rawValue: try row.string("id")), name: try row.string("name"), kind: kind)
    }
}
