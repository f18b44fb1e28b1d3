/// An ISO 4217 currency: its alphabetic code and how many minor units make one major unit.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    public let code: String
    /// ISO 4217 minor unit exponent: 2 for EUR (cents), 0 for JPY, 3 for KWD.
    public let exponent: Int

    public init(code: String, exponent: Int) {
        self.code = code
        self.exponent = exponent
    }

    /// Looks a code up in the currencies Bulwark prices in; `nil` for an unknown code.
    public init?(code: String) {
        guard let known = Self.known[code.uppercased()] else { return nil }
        self = known
    }

    public static let eur = Currency(code: "EUR", exponent: 2)
    public static let usd = Currency(code: "USD", exponent: 2)
    public static let gbp = Currency(code: "GBP", exponent: 2)
    public static let chf = Currency(code: "CHF", exponent: 2)
    public static let jpy = Currency(code: "JPY", exponent: 0)
    public static let kwd = Currency(code: "KWD", exponent: 3)

    // Exponents from the ISO 4217 list (SIX Financial Information, "List One").
    static let known: [String: Currency] = Dictionary(
        uniqueKeysWithValues: [
            eur, usd, gbp, chf, jpy, kwd, Currency(code: "SEK", exponent: 2), Currency(code: "NOK", exponent: 2),
            Currency(code: "DKK", exponent: 2), Currency(code: "PLN", exponent: 2), Currency(code: "CAD", exponent: 2),
            Currency(code: "AUD", exponent: 2),
        ].map { ($0.code, $0) }
    )

    public var description: String { code }
}

/// An amount of money in integer minor units of one currency. Never a `Double`.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Whole major units, e.g. `Money(major: 250, .eur)` is EUR 250.00.
    public init(major: Int64, _ currency: Currency) {
        var factor: Int64 = 1
        for _ in 0..<currency.exponent { factor *= 10 }
        self.init(minorUnits: major * factor, currency: currency)
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Adds two amounts of the same currency; traps on a currency mismatch, which is a programming error.
    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "cannot add \(lhs.currency) to \(rhs.currency)")
        return Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "cannot subtract \(rhs.currency) from \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency)
    }

    /// Plain decimal text with the currency code, e.g. `EUR 1234.50`.
    public var description: String {
        let exponent = currency.exponent
        let negative = minorUnits < 0
        let magnitude = minorUnits.magnitude
        guard exponent > 0 else { return "\(currency.code) \(negative ? "-" : "")\(magnitude)" }
        var factor: UInt64 = 1
        for _ in 0..<exponent { factor *= 10 }
        let fraction = String(magnitude % factor)
        let padded = String(repeating: "0", count: exponent - fraction.count) + fraction
        return "\(currency.code) \(negative ? "-" : "")\(magnitude / factor).\(padded)"
    }
}
