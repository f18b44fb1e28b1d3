import BulwarkCore
import Testing

@Suite struct MoneyTests {
    @Test(arguments: [
        (Money(minorUnits: 123_450, currency: .eur), "EUR 1234.50"),
        (Money(minorUnits: 5, currency: .eur), "EUR 0.05"),
        (Money(minorUnits: -5, currency: .eur), "EUR -0.05"),
        (Money(minorUnits: -123_450, currency: .eur), "EUR -1234.50"),
        (Money.zero(.eur), "EUR 0.00"),
        (Money(minorUnits: 1500, currency: .jpy), "JPY 1500"),
        (Money(minorUnits: -1500, currency: .jpy), "JPY -1500"),
        (Money(minorUnits: 1234, currency: .kwd), "KWD 1.234"),
        (Money(minorUnits: 5, currency: .kwd), "KWD 0.005"),
        (Money(minorUnits: -20_050, currency: .kwd), "KWD -20.050"),
        (Money(minorUnits: .min, currency: .eur), "EUR -92233720368547758.08"),
    ])
    func printsMinorUnitsAsADecimalWithTheCurrencyCode(_ money: Money, _ text: String) {
        #expect(money.description == text)
    }

    @Test func scalesWholeMajorUnitsByTheCurrencyExponent() {
        #expect(Money(major: 250, .eur).minorUnits == 25_000)
        #expect(Money(major: 250, .jpy).minorUnits == 250)
        #expect(Money(major: 2, .kwd).minorUnits == 2_000)
        #expect(Money(major: 250, .eur).description == "EUR 250.00")
    }

    @Test func addsAndSubtractsWithinOneCurrency() {
        let sum = Money(major: 10, .gbp) + Money(minorUnits: 99, currency: .gbp)
        #expect(sum == Money(minorUnits: 1_099, currency: .gbp))
        #expect((Money(major: 1, .gbp) - Money(major: 3, .gbp)).description == "GBP -2.00")
    }

    @Test func looksCurrenciesUpByCodeIgnoringCase() {
        #expect(Currency(code: "eur") == .eur)
        #expect(Currency(code: "JPY")?.exponent == 0)
        #expect(Currency(code: "KWD")?.exponent == 3)
        #expect(Currency(code: "SEK") == Currency(code: "SEK", exponent: 2))
    }

    @Test(arguments: ["XYZ", "", "EURO", "€"])
    func returnsNilForAnUnknownCurrencyCode(_ code: String) {
        #expect(Currency(code: code) == nil)
    }
}
