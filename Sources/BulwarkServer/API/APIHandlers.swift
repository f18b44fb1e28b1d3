import BulwarkAPI
import BulwarkCore
import BulwarkFirmware
import BulwarkLedger
import BulwarkStore
import BulwarkVulnerability
import Foundation

/// The JSON API: implements the protocol generated from `openapi.yaml` on top of the store.
///
/// The caller comes from `RequestPrincipal.current`, set by `AuthenticationMiddleware`; every store call is scoped by it.
struct APIHandlers: APIProtocol {
    let store: SQLStore

    private func principal() throws -> Principal {
        guard let principal = RequestPrincipal.current else { throw APIInputError(description: "no principal for an authenticated route") }
        return principal
    }

    private var origin: RequestOrigin { RequestPrincipal.origin }

    private func organisation(_ raw: String?) -> Identifier<Organisation>? {
        guard let raw, !raw.isEmpty else { return nil }
        return Identifier(rawValue: raw)
    }

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let principal = try principal()
        let readable = try await store.organisations(visibleTo: principal)
        guard let own = readable.first(where: { $0.id == principal.organisation }) else { throw AccessError.notFound("your organisation") }
        return .ok(
            .init(
                body: .json(
                    .init(
                        actor: principal.auditName, organisation: APIMapping.organisation(own), role: APIMapping.role(principal.role),
                        readable: readable.map(APIMapping.organisation)))))
    }

    func listOrganisations(_ input: Operations.ListOrganisations.Input) async throws -> Operations.ListOrganisations.Output {
        .ok(.init(body: .json(try await store.organisations(visibleTo: try principal()).map(APIMapping.organisation))))
    }

    func listDevices(_ input: Operations.ListDevices.Input) async throws -> Operations.ListDevices.Output {
        let q = input.query
        if let search = q.search, search.count > 128 { throw APIInputError(description: "search is longer than 128 characters") }
        let query = DeviceQuery(
            organisation: organisation(q.organisation), model: q.model, site: q.site, segment: q.segment,
            credentialState: q.credentialState.flatMap { CredentialState(rawValue: $0.rawValue) }, internetExposed: q.internetExposed,
            search: q.search, page: q.page ?? 1, perPage: q.perPage ?? 50)
        let page = try await store.devices(query, for: try principal())
        let today = CalendarDay(store.clock.now())
        return .ok(
            .init(
                body: .json(
                    .init(devices: page.devices.map { APIMapping.device($0, on: today) }, total: page.total, page: page.page, perPage: page.perPage)))
        )
    }

    func getDevice(_ input: Operations.GetDevice.Input) async throws -> Operations.GetDevice.Output {
        let principal = try principal()
        let device = try await store.device(serial: input.path.serial, organisation: organisation(input.query.organisation), for: principal)
        let today = CalendarDay(store.clock.now())
        let findings = try await DeviceFindings.all(for: device, store: store, principal: principal)
        return .ok(.init(body: .json(.init(device: APIMapping.device(device, on: today), findings: findings.map(APIMapping.finding)))))
    }

    func getFleetOverview(_ input: Operations.GetFleetOverview.Input) async throws -> Operations.GetFleetOverview.Output {
        let overview = try await store.fleetOverview(
            organisation: organisation(input.query.organisation), for: try principal(), on: CalendarDay(store.clock.now()))
        return .ok(.init(body: .json(APIMapping.overview(overview))))
    }

    func listProducts(_ input: Operations.ListProducts.Input) async throws -> Operations.ListProducts.Output {
        let products = try await store.products(organisation: organisation(input.query.organisation), for: try principal())
        return .ok(.init(body: .json(products.map(APIMapping.product))))
    }

    func listSites(_ input: Operations.ListSites.Input) async throws -> Operations.ListSites.Output {
        let sites = try await store.sites(organisation: organisation(input.query.organisation), for: try principal())
        return .ok(
            .init(
                body: .json(
                    sites.map { site in
                        .init(
                            name: site.name, deviceCount: site.deviceCount,
                            segments: site.segments.map { .init(name: $0.name, internetExposed: $0.internetExposed, deviceCount: $0.deviceCount) })
                    })))
    }

    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        .ok(.init(body: .json(try await store.tokens(for: try principal()).map(APIMapping.token))))
    }

    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        guard case .json(let body) = input.body else { throw APIInputError(description: "send the token request as JSON") }
        let name = body.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw APIInputError(description: "a token name needs 1 to 100 characters") }
        guard let role = Role(rawValue: body.role.rawValue) else { throw APIInputError(description: "unknown role \(body.role.rawValue)") }
        let issued = try await TokenIssuer(store: store).issue(name: name, role: role, by: try principal(), origin: origin)
        return .created(.init(body: .json(.init(token: APIMapping.token(issued.token), secret: issued.secret))))
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        try await store.revokeToken(Identifier(rawValue: input.path.id), by: try principal(), origin: origin)
        return .noContent(.init())
    }

    func createShare(_ input: Operations.CreateShare.Input) async throws -> Operations.CreateShare.Output {
        guard case .json(let body) = input.body else { throw APIInputError(description: "send the share request as JSON") }
        try await store.share(with: Identifier(rawValue: body.organisation), by: try principal(), origin: origin)
        return .noContent(.init())
    }

    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let events = try await store.auditEvents(for: try principal(), limit: input.query.limit ?? 100)
        return .ok(
            .init(
                body: .json(
                    events.map {
                        .init(
                            id: $0.id, at: Timestamp.parse($0.at) ?? Date(timeIntervalSince1970: 0), actor: $0.actor, action: $0.action,
                            subject: $0.subject, detail: $0.detail, remoteAddress: $0.remoteAddress)
                    })))
    }

    func listVulnerabilities(_ input: Operations.ListVulnerabilities.Input) async throws -> Operations.ListVulnerabilities.Output {
        let list = try await store.fleetVulnerabilities(organisation: organisation(input.query.organisation), for: try principal())
        return .ok(.init(body: .json(list.map(APIMapping.vulnerability))))
    }

    func getDeviceUpdate(_ input: Operations.GetDeviceUpdate.Input) async throws -> Operations.GetDeviceUpdate.Output {
        let advice = try await store.updateAdvice(serial: input.path.serial, organisation: organisation(input.query.organisation), for: try principal())
        return .ok(.init(body: .json(APIMapping.update(advice))))
    }

    func listVEXStatements(_ input: Operations.ListVEXStatements.Input) async throws -> Operations.ListVEXStatements.Output {
        let statements = try await store.vexStatements(organisation: organisation(input.query.organisation), for: try principal())
        return .ok(.init(body: .json(statements.map(APIMapping.vex))))
    }

    func setVEXStatement(_ input: Operations.SetVEXStatement.Input) async throws -> Operations.SetVEXStatement.Output {
        guard case .json(let body) = input.body else { throw APIInputError(description: "send the statement as JSON") }
        let statement = try await store.setVEX(
            vulnerability: body.vulnerability, component: body.component, status: VEXStatement.Status(rawValue: body.status.rawValue)!,
            justification: body.justification.map { VEXStatement.Justification(rawValue: $0.rawValue)! }, detail: body.detail, by: try principal(),
            origin: origin)
        return .ok(.init(body: .json(APIMapping.vex(statement))))
    }

    func getBlastRadius(_ input: Operations.GetBlastRadius.Input) async throws -> Operations.GetBlastRadius.Output {
        let text = input.query.component.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw APIInputError(description: "component is empty; give a purl, a name, name@range or an advisory id") }
        let radius = try await store.blastRadius(BlastRadius.Query(text), organisation: organisation(input.query.organisation), for: try principal())
        return .ok(.init(body: .json(APIMapping.blastRadius(radius))))
    }

    func getFirmwareLineage(_ input: Operations.GetFirmwareLineage.Input) async throws -> Operations.GetFirmwareLineage.Output {
        let threshold = input.query.threshold ?? FirmwareLineage.defaultThreshold
        guard (1...100).contains(threshold) else { throw APIInputError(description: "threshold must be 1 to 100, not \(threshold)") }
        let lineage = try await store.firmwareLineage(organisation: organisation(input.query.organisation), threshold: threshold, for: try principal())
        return .ok(.init(body: .json(APIMapping.lineage(lineage))))
    }

    func getLedgerCheckpoint(_ input: Operations.GetLedgerCheckpoint.Input) async throws -> Operations.GetLedgerCheckpoint.Output {
        _ = try principal()
        guard let note = try await store.latestLedgerCheckpoint() else { throw AccessError.notFound("ledger checkpoint (none published yet)") }
        let checkpoint = try Checkpoint(text: note.text)
        return .ok(
            .init(
                body: .json(.init(origin: checkpoint.origin, size: Int64(checkpoint.size), rootHash: checkpoint.root.base64, note: note.serialized))))
    }

    func getLedgerInclusionProof(_ input: Operations.GetLedgerInclusionProof.Input) async throws -> Operations.GetLedgerInclusionProof.Output {
        guard input.path.index >= 0 else { throw APIInputError(description: "index must be 0 or more") }
        let bundle = try await store.ledgerProofBundle(UInt64(input.path.index), for: try principal())
        return .ok(
            .init(
                body: .json(
                    .init(
                        format: bundle.format, entry: bundle.entry, leafIndex: Int64(bundle.leafIndex), treeSize: Int64(bundle.treeSize),
                        inclusionProof: bundle.inclusionProof, checkpoint: bundle.checkpoint))))
    }

    func getLedgerConsistencyProof(_ input: Operations.GetLedgerConsistencyProof.Input) async throws -> Operations.GetLedgerConsistencyProof.Output {
        _ = try principal()
        let (from, to) = (input.query.from, input.query.to)
        guard from >= 1, to >= from else { throw APIInputError(description: "need 1 <= from <= to; got from=\(from), to=\(to)") }
        let proof = try await store.ledgerConsistencyProof(from: UInt64(from), to: UInt64(to))
        return .ok(.init(body: .json(.init(from: from, to: to, proof: proof.map(\.base64)))))
    }
}

/// Creates API tokens: a fresh secret, shown once, stored only as its digest.
public struct TokenIssuer: Sendable {
    public let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }

    public func issue(name: String, role: Role, by principal: Principal, origin: RequestOrigin) async throws -> (token: APIToken, secret: String) {
        let secret = Secrets.newToken()
        let token = try await store.createToken(
            name: name, role: role, secretHash: Secrets.digest(secret), prefix: String(secret.prefix(Secrets.tokenPrefix.count + 6)), by: principal,
            origin: origin)
        return (token, secret)
    }
}

/// Findings shown for a device: the stored ones and those that follow from the inventory.
enum DeviceFindings {
    static func all(for device: DeviceSummary, store: SQLStore, principal: Principal) async throws -> [Finding] {
        let stored = try await store.findings(about: .device(device.id), organisation: device.organisation, for: principal)
        let derived = InventoryFindings.evaluate(device, on: CalendarDay(store.clock.now()), observedAt: Timestamp.format(store.clock.now()))
        let storedIDs = Set(stored.map(\.id))
        return (stored + derived.filter { !storedIDs.contains($0.id) }).sorted { $0.severity > $1.severity }
    }
}
