import BulwarkCore
import BulwarkStore

/// A small operator fleet whose every number is known on `TestDatabase.today` (2026-11-22):
///
/// | serial   | model  | firmware (released, supported until) | site / segment      | credentials |
/// |----------|--------|--------------------------------------|---------------------|-------------|
/// | CAM-0001 | LC-200 | 2.4.1 (2026-03-01, 2029-12-31)       | Leeds / dmz (open)  | default     |
/// | CAM-0002 | LC-200 | 2.4.1                                | Leeds / office      | changed     |
/// | CAM-0003 | LC-200 | 1.9.0 (2022-06-01, 2025-06-30)       | York / cctv         | default     |
/// | PLG-0001 | SP-10  | 1.0.3 (2025-06-01, –)                | Leeds / office      | unknown     |
/// | PLG-0002 | SP-10  | 1.0.0 (2024-03-01, 2025-12-31)       | York / cctv         | changed     |
/// | THR-0001 | TH-5   | –                                    | York                | default     |
enum SampleFleet {
    static let csv = """
        serial,model,product_name,manufacturer,product_line,trunk,category,firmware,released_on,support_until,site,segment,internet_exposed,ip,mac,credential_state,last_seen
        CAM-0001,LC-200,Lumen Cam,Lumen,Cameras,lumen-os,camera,2.4.1,2026-03-01,2029-12-31,Leeds,dmz,yes,10.0.1.11,00:1a:2b:00:00:01,default,2026-11-21T08:00:00Z
        CAM-0002,LC-200,Lumen Cam,Lumen,Cameras,lumen-os,camera,2.4.1,2026-03-01,2029-12-31,Leeds,office,no,10.0.2.12,00:1a:2b:00:00:02,changed,
        CAM-0003,LC-200,Lumen Cam,Lumen,Cameras,lumen-os,camera,1.9.0,2022-06-01,2025-06-30,York,cctv,no,10.1.0.13,00:1a:2b:00:00:03,default,
        PLG-0001,SP-10,Smart Plug,Voltly,,,smart plug,1.0.3,2025-06-01,,Leeds,office,,10.0.2.21,3c:71:bf:00:00:21,unknown,
        PLG-0002,SP-10,Smart Plug,Voltly,,,smart plug,1.0.0,2024-03-01,2025-12-31,York,cctv,,10.1.0.22,3C-71-BF-00-00-22,changed,
        THR-0001,TH-5,Thermo 5,Heatwise,,,thermostat,,,,York,,,,,default,

        """

    static let source = "fleet.csv"

    static func document(_ text: String = csv, source: String = source) throws -> InventoryDocument {
        try InventoryDocument.parse(Array(text.utf8), source: source)
    }

    /// `count` cameras with serials CAM-1000 upwards on release 2.4.1 of LC-200, as a CSV document.
    static func cameras(_ count: Int, source: String = "cameras.csv") throws -> InventoryDocument {
        var text = "serial,model,product_name,firmware,site,credential_state\n"
        for index in 0..<count { text += "CAM-\(1000 + index),LC-200,Lumen Cam,2.4.1,Hull,changed\n" }
        return try document(text, source: source)
    }
}

/// Two operators, an insurer the first operator shares with, and an insurer it does not, with a principal for each role.
struct Tenants {
    let operatorOrg: Organisation
    let otherOperatorOrg: Organisation
    let insurerOrg: Organisation
    let otherInsurerOrg: Organisation

    let owner: Principal
    let analyst: Principal
    let viewer: Principal
    let otherOperatorOwner: Principal
    /// An analyst of the insurer the operator shared its data with.
    let insurer: Principal
    let otherInsurer: Principal

    static func make(in store: SQLStore) async throws -> Tenants {
        let operatorOrg = try await store.createOrganisation(name: "Northwind Retail", kind: .operator)
        let otherOperatorOrg = try await store.createOrganisation(name: "Contoso Plants", kind: .operator)
        let insurerOrg = try await store.createOrganisation(name: "Harbour Mutual", kind: .insurer)
        let otherInsurerOrg = try await store.createOrganisation(name: "Gable Re", kind: .insurer)
        let owner = try await store.member(.owner, "owner@northwind.example", of: operatorOrg)
        try await store.share(with: insurerOrg.id, by: owner, origin: .commandLine)
        return Tenants(
            operatorOrg: operatorOrg, otherOperatorOrg: otherOperatorOrg, insurerOrg: insurerOrg, otherInsurerOrg: otherInsurerOrg, owner: owner,
            analyst: try await store.member(.analyst, "analyst@northwind.example", of: operatorOrg),
            viewer: try await store.member(.viewer, "viewer@northwind.example", of: operatorOrg),
            otherOperatorOwner: try await store.member(.owner, "owner@contoso.example", of: otherOperatorOrg),
            insurer: try await store.member(.analyst, "analyst@harbour.example", of: insurerOrg),
            otherInsurer: try await store.member(.analyst, "analyst@gable.example", of: otherInsurerOrg))
    }
}

extension SQLStore {
    /// Creates a user with `role` in `organisation` and returns the principal that user acts as.
    func member(_ role: Role, _ email: String, of organisation: Organisation) async throws -> Principal {
        let user = try await createUser(
            email: email, name: email, role: role, passwordHash: TestDatabase.passwordHash, in: organisation.id, actor: "system:test",
            origin: .commandLine)
        return try await principal(for: user)
    }

    /// How many devices, products, sites and audit events an organisation has, to prove a refused write changed nothing.
    func footprint(of principal: Principal) async throws -> [String: Int] {
        [
            "devices": try await devices(DeviceQuery(), for: principal).total,
            "products": try await products(organisation: nil, for: principal).count,
            "releases": try await products(organisation: nil, for: principal).reduce(0) { $0 + $1.releases.count },
            "sites": try await sites(organisation: nil, for: principal).count,
            "audit events": try await auditEventCount(organisation: principal.organisation),
        ]
    }
}
