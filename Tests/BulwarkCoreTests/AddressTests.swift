import BulwarkCore
import Foundation
import Testing

@Suite struct IPAddressTests {
    @Test func keepsADottedQuadAsIPv4() throws {
        let address = try #require(IPAddress("192.168.10.21"))
        #expect(address.family == .v4)
        #expect(address.text == "192.168.10.21")
        #expect(address.description == "192.168.10.21")
    }

    // RFC 5952 §4: lower case, leading zeros dropped, the longest run of zero groups (the first of equal runs) becomes "::",
    // and a single zero group is never compressed.
    @Test(arguments: [
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("FE80:0000:0000:0000:020C:29FF:FE9A:1B2C", "fe80::20c:29ff:fe9a:1b2c"),
        ("0:0:0:0:0:0:0:0", "::"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
    ])
    func printsIPv6InItsCanonicalForm(_ raw: String, _ canonical: String) throws {
        let address = try #require(IPAddress(raw))
        #expect(address.family == .v6)
        #expect(address.text == canonical)
    }

    @Test func treatsDifferentSpellingsOfOneAddressAsEqual() {
        #expect(IPAddress("2001:DB8::0:1") == IPAddress("2001:db8:0:0:0:0:0:1"))
    }

    @Test(arguments: [
        "", "256.1.1.1", "10.0.0", "10.0.0.1.5", "010.0.0.1", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1/24", "2001:db8::1::2",
        "2001:db8:0:0:0:0:0:0:1", "gggg::1", "fe80::1%eth0", "localhost", "10.0.0.1\u{0}junk",
    ])
    func rejectsTextThatIsNotAnAddress(_ raw: String) {
        #expect(IPAddress(raw) == nil)
    }

    @Test func decodesFromJSONOnlyWhenValid() throws {
        let decoded = try JSONDecoder().decode([IPAddress].self, from: Data(#"["2001:DB8::1"]"#.utf8))
        #expect(decoded.map(\.text) == ["2001:db8::1"])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([IPAddress].self, from: Data(#"["10.0.0.300"]"#.utf8)) }
    }
}

@Suite struct MACAddressTests {
    @Test(arguments: ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "001a.2b3c.4d5e", "001A2B3C4D5E"])
    func normalisesEveryCommonFormToLowerCaseColons(_ raw: String) throws {
        #expect(try #require(MACAddress(raw)).text == "00:1a:2b:3c:4d:5e")
    }

    @Test(arguments: [
        "00:1a:2b:3c:4d:5", "00:1a:2b:3c:4d:5e:6", "00:1a:2b:3c:4d:5e:6f", "001a2b3c4d5", "001a2b3c4d5e6", "00:1a:2b:3c:4d:5g", "",
        "00 1a 2b 3c 4d 5e", "00:1a:2b:3c:4d:5e\u{0}",
    ])
    func rejectsWrongDigitCountsAndForeignCharacters(_ raw: String) {
        #expect(MACAddress(raw) == nil)
    }
}
