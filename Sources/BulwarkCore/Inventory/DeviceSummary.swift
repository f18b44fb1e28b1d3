/// One device as the inventory list and the API show it: the device with its product, firmware, site and segment resolved.
public struct DeviceSummary: Hashable, Sendable, Codable {
    public var id: Identifier<Device>
    public var organisation: Identifier<Organisation>
    public var serial: String
    public var model: String
    public var productName: String
    public var manufacturer: String
    public var category: String
    public var firmwareVersion: String?
    public var firmwareReleasedOn: CalendarDay?
    public var supportUntil: CalendarDay?
    public var site: String?
    public var segment: String?
    public var internetExposed: Bool
    public var ipAddress: String?
    public var macAddress: String?
    public var credentialState: CredentialState
    public var lastSeen: String?

    public init(
        id: Identifier<Device>, organisation: Identifier<Organisation>, serial: String, model: String, productName: String, manufacturer: String,
        category: String, firmwareVersion: String?, firmwareReleasedOn: CalendarDay?, supportUntil: CalendarDay?, site: String?,
        segment: String?, internetExposed: Bool, ipAddress: String?, macAddress: String?, credentialState: CredentialState, lastSeen: String?
    ) {
        self.id = id
        self.organisation = organisation
        self.serial = serial
        self.model = model
        self.productName = productName
        self.manufacturer = manufacturer
        self.category = category
        self.firmwareVersion = firmwareVersion
        self.firmwareReleasedOn = firmwareReleasedOn
        self.supportUntil = supportUntil
        self.site = site
        self.segment = segment
        self.internetExposed = internetExposed
        self.ipAddress = ipAddress
        self.macAddress = macAddress
        self.credentialState = credentialState
        self.lastSeen = lastSeen
    }

    /// Whether the firmware's support period ended before `day`.
    public func isOutOfSupport(on day: CalendarDay) -> Bool {
        guard let supportUntil else { return false }
        return supportUntil < day
    }

    /// Age of the installed firmware in days on `day`, or `nil` when unknown.
    public func firmwareAgeInDays(on day: CalendarDay) -> Int? {
        firmwareReleasedOn.map { day.daysSinceEpoch - $0.daysSinceEpoch }
    }
}

/// Filters and paging for the device list. Every filter is optional; `page` starts at 1.
public struct DeviceQuery: Hashable, Sendable {
    public var organisation: Identifier<Organisation>?
    public var model: String?
    public var site: String?
    public var segment: String?
    public var credentialState: CredentialState?
    public var internetExposed: Bool?
    /// Matches the start of a serial, IP address or MAC address.
    public var search: String?
    public var page: Int
    public var perPage: Int

    public static let maximumPerPage = 500

    public init(
        organisation: Identifier<Organisation>? = nil, model: String? = nil, site: String? = nil, segment: String? = nil,
        credentialState: CredentialState? = nil, internetExposed: Bool? = nil, search: String? = nil, page: Int = 1, perPage: Int = 50
    ) {
        self.organisation = organisation
        self.model = model
        self.site = site
        self.segment = segment
        self.credentialState = credentialState
        self.internetExposed = internetExposed
        self.search = search
        self.page = max(1, page)
        self.perPage = min(max(1, perPage), Self.maximumPerPage)
    }
}

/// One page of devices and the total that matched.
public struct DevicePage: Hashable, Sendable, Codable {
    public var devices: [DeviceSummary]
    public var total: Int
    public var page: Int
    public var perPage: Int

    public init(devices: [DeviceSummary], total: Int, page: Int, perPage: Int) {
        self.devices = devices
        self.total = total
        self.page = page
        self.perPage = perPage
    }

    public var pageCount: Int { max(1, (total + perPage - 1) / perPage) }
}

/// The fleet at a glance, for an operator's home page.
public struct FleetOverview: Hashable, Sendable, Codable {
    public struct Count: Hashable, Sendable, Codable {
        public var label: String
        public var count: Int
        public init(label: String, count: Int) {
            self.label = label
            self.count = count
        }
    }

    public var totalDevices: Int
    public var byProduct: [Count]
    /// Devices by age of their installed firmware: under 1 year, 1–2, 2–3, over 3 years, unknown.
    public var byFirmwareAge: [Count]
    public var outOfSupport: Int
    public var defaultCredentials: Int
    public var internetExposed: Int
    /// Devices that are both on an internet-exposed segment and still accept their default password: the botnet's first pick.
    public var exposedWithDefaultCredentials: Int
    public var sites: Int

    public init(
        totalDevices: Int, byProduct: [Count], byFirmwareAge: [Count], outOfSupport: Int, defaultCredentials: Int, internetExposed: Int,
        exposedWithDefaultCredentials: Int, sites: Int
    ) {
        self.totalDevices = totalDevices
        self.byProduct = byProduct
        self.byFirmwareAge = byFirmwareAge
        self.outOfSupport = outOfSupport
        self.defaultCredentials = defaultCredentials
        self.internetExposed = internetExposed
        self.exposedWithDefaultCredentials = exposedWithDefaultCredentials
        self.sites = sites
    }

    /// The age buckets used by `byFirmwareAge`, in order.
    public static let ageBuckets = ["under 1 year", "1–2 years", "2–3 years", "over 3 years", "unknown"]

    /// The bucket a firmware age in days falls in.
    public static func ageBucket(days: Int?) -> String {
        guard let days else { return ageBuckets[4] }
        switch days {
        case ..<365: return ageBuckets[0]
        case ..<730: return ageBuckets[1]
        case ..<1095: return ageBuckets[2]
        default: return ageBuckets[3]
        }
    }
}

/// What an inventory import did. Re-importing the same file reports everything unchanged.
public struct ImportReport: Hashable, Sendable, Codable {
    public var productsCreated = 0
    public var productsUpdated = 0
    public var releasesCreated = 0
    public var releasesUpdated = 0
    public var sitesCreated = 0
    public var segmentsCreated = 0
    public var segmentsUpdated = 0
    public var devicesCreated = 0
    public var devicesUpdated = 0
    public var devicesUnchanged = 0

    public init() {}

    /// Whether the import changed anything at all.
    public var changedAnything: Bool {
        productsCreated + productsUpdated + releasesCreated + releasesUpdated + sitesCreated + segmentsCreated + segmentsUpdated
            + devicesCreated + devicesUpdated > 0
    }

    /// One line for people: "12 devices created, 3 updated, 285 unchanged; 2 products created; ...".
    public var summary: String {
        var parts = ["\(devicesCreated) devices created, \(devicesUpdated) updated, \(devicesUnchanged) unchanged"]
        if productsCreated + productsUpdated > 0 { parts.append("\(productsCreated) products created, \(productsUpdated) updated") }
        if releasesCreated + releasesUpdated > 0 { parts.append("\(releasesCreated) firmware releases created, \(releasesUpdated) updated") }
        if sitesCreated > 0 { parts.append("\(sitesCreated) sites created") }
        if segmentsCreated + segmentsUpdated > 0 { parts.append("\(segmentsCreated) network segments created, \(segmentsUpdated) updated") }
        return parts.joined(separator: "; ")
    }
}
