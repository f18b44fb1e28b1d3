import BulwarkCore
import BulwarkStore
import Foundation

/// A realistic fictional world for trying Bulwark: one manufacturer whose camera, smart-plug and thermostat lines share
/// one firmware trunk, one retail business running about 300 of those devices at three sites, and one insurer the
/// business shares its fleet data with.
///
/// Release dates are relative to today, so the world keeps the same shape whenever it is created. The fleet is drawn
/// from a seeded generator: the same seed gives the same devices.
public struct DemoWorld: Sendable {
    public struct Login: Sendable, Hashable {
        public var organisation: String
        public var kind: Organisation.Kind
        public var email: String
        public var role: Role
        public var password: String
    }

    public static let manufacturerName = "Lumen Devices Ltd"
    public static let operatorName = "Harbourside Retail Group"
    public static let insurerName = "Northgate Mutual"

    public let store: SQLStore
    public let hasher: PasswordHasher
    public var seed: UInt64

    public init(store: SQLStore, hasher: PasswordHasher, seed: UInt64 = 2026) {
        self.store = store
        self.hasher = hasher
        self.seed = seed
    }

    /// Creates the world if it is not there yet, and (re)sets the demo users' passwords. Returns the logins to print.
    /// `password` sets every demo password; by default each gets a fresh random one.
    public func create(password: String? = nil, progress: (@Sendable (String) -> Void)? = nil) async throws -> [Login] {
        let accounts: [(String, Organisation.Kind, String, String, Role)] = [
            (Self.operatorName, .operator, "ops@harbourside.example", "Priya Natarajan", .owner),
            (Self.insurerName, .insurer, "underwriter@northgate.example", "Tom Okafor", .analyst),
            (Self.manufacturerName, .manufacturer, "security@lumen.example", "Elena Varga", .owner),
        ]
        var logins: [Login] = []
        if try await store.organisation(named: Self.operatorName) == nil {
            progress?("creating organisations")
            let manufacturer = try await store.createOrganisation(name: Self.manufacturerName, kind: .manufacturer)
            let operatorOrg = try await store.createOrganisation(name: Self.operatorName, kind: .operator)
            let insurer = try await store.createOrganisation(name: Self.insurerName, kind: .insurer)
            for (orgName, _, email, name, role) in accounts {
                let org = [manufacturer, operatorOrg, insurer].first { $0.name == orgName }!
                let secret = password ?? Self.randomPassword()
                try await store.createUser(
                    email: email, name: name, role: role, passwordHash: try await hasher.hash(secret), in: org.id, actor: "system:demo",
                    origin: .commandLine)
                logins.append(Login(organisation: orgName, kind: org.kind, email: email, role: role, password: secret))
            }
            progress?("building the manufacturer's product lines and releases")
            let today = CalendarDay(store.clock.now())
            let manufacturerPrincipal = try await store.systemPrincipal(for: manufacturer)
            _ = try await store.importInventory(catalogue(today: today, source: "demo catalogue"), by: manufacturerPrincipal, origin: .commandLine)
            for product in Self.products {
                for release in Self.releases {
                    try await store.setComponents(
                        release.components, model: product.model, version: release.version, by: manufacturerPrincipal, origin: .commandLine)
                }
            }
            progress?("deploying about 300 devices at three sites")
            let operatorPrincipal = try await store.systemPrincipal(for: operatorOrg)
            _ = try await store.importInventory(fleet(today: today), by: operatorPrincipal, origin: .commandLine)
            // The manufacturer hands its SBOMs to the operator (as EU CRA Annex I asks), so the operator's releases list
            // their components too.
            for product in Self.products {
                for release in Self.releases {
                    try await store.setComponents(
                        release.components, model: product.model, version: release.version, by: operatorPrincipal, origin: .commandLine)
                }
            }
            try await store.share(with: insurer.id, by: operatorPrincipal, origin: .commandLine)
            progress?("recording the fleet's findings, each logged in the evidence ledger")
            let observedAt = Timestamp.format(store.clock.now())
            var query = DeviceQuery(perPage: DeviceQuery.maximumPerPage)
            var findings: [Finding] = []
            while true {
                let page = try await store.devices(query, for: operatorPrincipal)
                findings += page.devices.flatMap { InventoryFindings.evaluate($0, on: today, observedAt: observedAt) }
                guard page.page < page.pageCount else { break }
                query.page += 1
            }
            try await store.record(findings, by: operatorPrincipal, origin: .commandLine)
            progress?("adding the advisories of the trunk's components")
            try await DemoAdvisories.install(in: store)
        } else {
            progress?("the demo world exists; resetting its passwords")
            for (orgName, kind, email, _, role) in accounts {
                let secret = password ?? Self.randomPassword()
                try await store.setPasswordHash(email: email, passwordHash: try await hasher.hash(secret), actor: "system:demo", origin: .commandLine)
                logins.append(Login(organisation: orgName, kind: kind, email: email, role: role, password: secret))
            }
        }
        return logins
    }

    /// A password of four random words' worth of entropy (about 95 bits), easy to type from a terminal.
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let groups = (0..<4).map { _ in String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }) }
        return groups.joined(separator: "-")
    }

    struct DemoProduct {
        var model: String
        var name: String
        var line: String
        var category: String
    }

    struct DemoRelease {
        var version: String
        /// Days before today the release shipped, and how long it is supported.
        var ageDays: Int
        var supportDays: Int
        var components: [ComponentInput]
    }

    static let trunk = "lumen-os"

    static let products = [
        DemoProduct(model: "LC-200", name: "Lumen Cam 200", line: "Cameras", category: "camera"),
        DemoProduct(model: "LC-400X", name: "Lumen Cam 400 Outdoor", line: "Cameras", category: "camera"),
        DemoProduct(model: "LP-10", name: "Lumen Plug", line: "Smart plugs", category: "smart plug"),
        DemoProduct(model: "LT-3", name: "Lumen Thermo 3", line: "Thermostats", category: "thermostat"),
    ]

    /// The shared trunk's releases. Component versions are real upstream versions of the period.
    static let releases: [DemoRelease] = [
        DemoRelease(
            version: "2.1.0", ageDays: 1_710, supportDays: 1_095,
            components: components(busybox: "1.29.3", openssl: "1.0.2k", dropbear: "2018.76", kernel: "4.4.60")),
        DemoRelease(
            version: "2.4.2", ageDays: 1_180, supportDays: 1_095,
            components: components(busybox: "1.31.1", openssl: "1.1.1k", dropbear: "2020.81", kernel: "4.14.180")),
        DemoRelease(
            version: "3.0.1", ageDays: 610, supportDays: 1_460,
            components: components(busybox: "1.35.0", openssl: "3.0.8", dropbear: "2022.82", kernel: "5.10.120")),
        DemoRelease(
            version: "3.2.0", ageDays: 95, supportDays: 1_825,
            components: components(busybox: "1.36.1", openssl: "3.0.13", dropbear: "2022.83", kernel: "5.15.148")),
    ]

    static func components(busybox: String, openssl: String, dropbear: String, kernel: String) -> [ComponentInput] {
        [
            ComponentInput(
                name: "busybox", version: busybox, supplier: "BusyBox", purl: "pkg:generic/busybox@\(busybox)",
                cpe: "cpe:2.3:a:busybox:busybox:\(busybox):*:*:*:*:*:*:*"),
            ComponentInput(
                name: "openssl", version: openssl, supplier: "OpenSSL Software Foundation", purl: "pkg:generic/openssl@\(openssl)",
                cpe: "cpe:2.3:a:openssl:openssl:\(openssl):*:*:*:*:*:*:*"),
            ComponentInput(
                name: "dropbear", version: dropbear, supplier: "Matt Johnston", purl: "pkg:generic/dropbear@\(dropbear)",
                cpe: "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:\(dropbear):*:*:*:*:*:*:*"),
            ComponentInput(
                name: "linux", version: kernel, supplier: "kernel.org", purl: "pkg:generic/linux@\(kernel)",
                cpe: "cpe:2.3:o:linux:linux_kernel:\(kernel):*:*:*:*:*:*:*"),
        ]
    }

    func catalogue(today: CalendarDay, source: String) -> InventoryDocument {
        var document = InventoryDocument(source: source)
        var line = 1
        for product in Self.products {
            Self.add(product, line: line, today: today, withLine: true, to: &document)
            line += 1
        }
        return document
    }

    /// A product and all the trunk's releases of it; the manufacturer also records the product line and trunk.
    static func add(_ product: DemoProduct, line: Int, today: CalendarDay, withLine: Bool, to document: inout InventoryDocument) {
        document.products.append(
            .init(
                line: line, model: product.model, name: product.name, manufacturer: manufacturerName, productLine: withLine ? product.line : nil,
                trunk: withLine ? trunk : nil, category: product.category))
        for release in releases {
            let released = today.adding(days: -release.ageDays)
            document.releases.append(
                .init(
                    line: line, model: product.model, version: release.version, releasedOn: released,
                    supportUntil: released.adding(days: release.supportDays)))
        }
    }

    struct DemoSite {
        var name: String
        var segments: [(name: String, exposed: Bool, categories: Set<String>)]
        var devices: Int
        var subnet: Int
    }

    static let sites = [
        DemoSite(
            name: "Leeds distribution centre",
            segments: [
                ("cctv", true, ["camera"]), ("building-automation", false, ["thermostat", "smart plug"]),
                ("warehouse-iot", false, ["smart plug", "camera"]),
            ],
            devices: 140, subnet: 10),
        DemoSite(
            name: "Manchester Arndale store",
            segments: [("store-cctv", false, ["camera"]), ("store-iot", true, ["smart plug", "thermostat"])], devices: 90, subnet: 20),
        DemoSite(
            name: "Bristol Cabot store", segments: [("store-cctv", false, ["camera"]), ("store-iot", false, ["smart plug", "thermostat"])],
            devices: 74, subnet: 30),
    ]

    func fleet(today: CalendarDay) -> InventoryDocument {
        var random = SplitMix64(seed: seed)
        var document = InventoryDocument(source: "demo fleet")
        var line = 1
        // The operator records the products and releases it runs, as its own asset register does.
        for product in Self.products {
            Self.add(product, line: line, today: today, withLine: false, to: &document)
            line += 1
        }
        var serialNumber = 1
        for site in Self.sites {
            for segment in site.segments {
                document.segments.append(.init(line: line, site: site.name, name: segment.name, internetExposed: segment.exposed))
            }
            for index in 0..<site.devices {
                let segment = site.segments[index % site.segments.count]
                let candidates = Self.products.filter { segment.categories.contains($0.category) }
                let product = candidates[Int(random.next() % UInt64(candidates.count))]
                // Older releases linger: a third of the fleet was never updated past 2.x.
                let roll = random.next() % 100
                let release = roll < 12 ? Self.releases[0] : roll < 33 ? Self.releases[1] : roll < 75 ? Self.releases[2] : Self.releases[3]
                let credentialRoll = random.next() % 100
                let credential: CredentialState =
                    credentialRoll < (release.version.hasPrefix("2.") ? 30 : 8) ? .default : credentialRoll < 92 ? .changed : .unknown
                let prefix = product.model.replacingOccurrences(of: "-", with: "")
                let serial = "\(prefix)-\(String(format: "%06d", 240_000 + serialNumber * 37 % 100_000 + serialNumber))"
                serialNumber += 1
                let host = 10 + index
                let mac = String(format: "3c:71:bf:%02x:%02x:%02x", site.subnet, host / 256, host % 256)
                let lastSeenMinutes = Int(random.next() % (3 * 24 * 60))
                let lastSeen = Timestamp.format(store.clock.now().addingTimeInterval(-Double(lastSeenMinutes * 60)))
                document.devices.append(
                    .init(
                        line: line, serial: serial, model: product.model, firmware: release.version, site: site.name, segment: segment.name,
                        ipAddress: IPAddress("10.\(site.subnet).\(index % site.segments.count + 1).\(host)"), macAddress: MACAddress(mac),
                        credentialState: credential,
                        lastSeen: lastSeen))
                line += 1
            }
        }
        return document
    }
}

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014): small, seeded, reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
