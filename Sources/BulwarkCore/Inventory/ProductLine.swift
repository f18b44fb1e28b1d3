/// A family of products built on one firmware trunk (for example "Cameras" on the `lumen-os` trunk).
public struct ProductLine: Hashable, Sendable, Codable, Identifiable {
    public let id: Identifier<ProductLine>
    public let organisation: Identifier<Organisation>
    public var name: String
    /// The shared code base this line's firmware is built from; many lines can share one trunk.
    public var trunk: String?

    public init(id: Identifier<ProductLine>, organisation: Identifier<Organisation>, name: String, trunk: String?) {
        self.id = id
        self.organisation = organisation
        self.name = name
        self.trunk = trunk
    }
}

/// A device model, as sold.
public struct Product: Hashable, Sendable, Codable, Identifiable {
    public let id: Identifier<Product>
    public let organisation: Identifier<Organisation>
    /// The model number, unique within an organisation; the key inventory files refer to.
    public var model: String
    public var name: String
    public var manufacturer: String
    public var productLine: Identifier<ProductLine>?
    /// What kind of device this is ("camera", "smart plug", "thermostat").
    public var category: String

    public init(
        id: Identifier<Product>, organisation: Identifier<Organisation>, model: String, name: String, manufacturer: String,
        productLine: Identifier<ProductLine>?, category: String
    ) {
        self.id = id
        self.organisation = organisation
        self.model = model
        self.name = name
        self.manufacturer = manufacturer
        self.productLine = productLine
        self.category = category
    }
}

/// One firmware version of one product.
public struct FirmwareRelease: Hashable, Sendable, Codable, Identifiable {
    public let id: Identifier<FirmwareRelease>
    public let organisation: Identifier<Organisation>
    public let product: Identifier<Product>
    public var version: String
    public var releasedOn: CalendarDay?
    /// The last day the manufacturer promises security updates (UK PSTI "defined support period").
    public var supportUntil: CalendarDay?

    public init(
        id: Identifier<FirmwareRelease>, organisation: Identifier<Organisation>, product: Identifier<Product>, version: String,
        releasedOn: CalendarDay?, supportUntil: CalendarDay?
    ) {
        self.id = id
        self.organisation = organisation
        self.product = product
        self.version = version
        self.releasedOn = releasedOn
        self.supportUntil = supportUntil
    }

    /// Whether the support period has ended on `day`. Unknown support periods are not called ended.
    public func isOutOfSupport(on day: CalendarDay) -> Bool {
        guard let supportUntil else { return false }
        return supportUntil < day
    }

    /// Whole days between the release date and `day`, or `nil` when the release date is unknown.
    public func ageInDays(on day: CalendarDay) -> Int? {
        releasedOn.map { day.daysSinceEpoch - $0.daysSinceEpoch }
    }
}

/// A piece of software inside a firmware release, identified so advisories can be matched to it.
public struct Component: Hashable, Sendable, Codable, Identifiable {
    public let id: Identifier<Component>
    public let organisation: Identifier<Organisation>
    public let release: Identifier<FirmwareRelease>
    public var name: String
    public var version: String
    public var supplier: String?
    /// Package URL (purl-spec), e.g. `pkg:generic/busybox@1.31.1`.
    public var purl: String?
    /// CPE 2.3 formatted string, e.g. `cpe:2.3:a:busybox:busybox:1.31.1:*:*:*:*:*:*:*`.
    public var cpe: String?

    public init(
        id: Identifier<Component>, organisation: Identifier<Organisation>, release: Identifier<FirmwareRelease>, name: String,
        version: String, supplier: String?, purl: String?, cpe: String?
    ) {
        self.id = id
        self.organisation = organisation
        self.release = release
        self.name = name
        self.version = version
        self.supplier = supplier
        self.purl = purl
        self.cpe = cpe
    }
}
