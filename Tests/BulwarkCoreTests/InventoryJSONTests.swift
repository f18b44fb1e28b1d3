import BulwarkCore
import Foundation
import Testing

@Suite struct InventoryJSONTests {
    static let objectForm = """
        {
          "products": [
            {"model": "LC-200", "name": "Lumen Cam", "manufacturer": "Lumen", "productLine": "Cameras", "trunk": "lumen-os", "category": "camera"}
          ],
          "releases": [
            {"model": "LC-200", "version": "2.4.1", "released_on": "2025-03-01", "supportUntil": "2028-12-31"}
          ],
          "segments": [
            {"site": "Leeds", "name": "dmz", "internet_exposed": true}
          ],
          "devices": [
            {"serial": "CAM-0001", "model": "LC-200", "firmware": "2.4.1", "site": "Leeds", "segment": "dmz", "ip": "10.0.0.5", "credential_state": "default"},
            {
              "serial": "CAM-0002",
              "product": "LC-200",
              "mac": "001a.2b3c.4d5e",
              "credentialState": "changed",
              "lastSeen": "2026-11-20T08:00:00Z"
            }
          ]
        }
        """

    @Test func readsTheObjectFormWithCamelAndSnakeCaseMembers() throws {
        let document = try parseInventory(Self.objectForm, source: "fleet.json")
        #expect(document.source == "fleet.json")
        let product = try #require(document.products.first)
        #expect(document.products.count == 1)
        #expect(product.line == 3)
        #expect(
            [product.name, product.manufacturer, product.productLine, product.trunk, product.category] == [
                "Lumen Cam", "Lumen", "Cameras", "lumen-os", "camera",
            ])
        let release = try #require(document.releases.first)
        #expect(document.releases.count == 1)
        #expect(release.line == 6)
        #expect(release.releasedOn?.description == "2025-03-01")
        #expect(release.supportUntil?.description == "2028-12-31")
        #expect(document.segments.map(\.line) == [9])
        #expect(document.segments.map(\.internetExposed) == [true])
        #expect(document.devices.map(\.line) == [12, 13])
        #expect(document.devices.map(\.serial) == ["CAM-0001", "CAM-0002"])
        #expect(document.devices.map(\.model) == ["LC-200", "LC-200"])
        #expect(document.devices.map(\.firmware) == ["2.4.1", nil])
        #expect(document.devices.map(\.credentialState) == [.default, .changed])
        #expect(document.devices.map(\.ipAddress?.text) == ["10.0.0.5", nil])
        #expect(document.devices.map(\.macAddress?.text) == [nil, "00:1a:2b:3c:4d:5e"])
        #expect(document.devices.map(\.lastSeen) == [nil, "2026-11-20T08:00:00Z"])
    }

    @Test func readsABareArrayOfFlatDeviceRecords() throws {
        let document = try parseInventory(
            """
            [
              {"serial": "P-1", "model": "SP-10", "productName": "Smart Plug", "firmware": "1.0", "releasedOn": "2022-05-01", "site": "Leeds", "segment": "iot",
               "internetExposed": false},
              {"Serial": "P-2", "Model": "SP-10", "Product_Name": "Smart Plug", "Firmware": "1.0"}
            ]
            """, source: "plugs.json")
        #expect(document.devices.map(\.line) == [2, 4])
        #expect(document.products.map(\.name) == ["Smart Plug"])
        #expect(document.releases.map(\.releasedOn?.description) == ["2022-05-01"])
        #expect(document.segments.map(\.internetExposed) == [false])
    }

    @Test func skipsAByteOrderMarkBeforeJSON() throws {
        #expect(try parseInventory("\u{FEFF}[{\"serial\": \"A\", \"model\": \"M\"}]", source: "a.json").devices.map(\.serial) == ["A"])
    }

    @Test func readsEscapesAndSurrogatePairsInStrings() throws {
        let document = try parseInventory(
            #"[{"serial": "CAM-\ud83d\ude00", "model": "LC\u002d200", "manufacturer": "Lumen \"Labs\"\/UK"}]"#, source: "a.json")
        #expect(document.devices.map(\.serial) == ["CAM-😀"])
        #expect(document.products.map(\.model) == ["LC-200"])
        #expect(document.products.map(\.manufacturer) == [#"Lumen "Labs"/UK"#])
    }

    @Test func namesTheMemberAndItsLineForAWrongType() {
        let cases: [(String, String, String)] = [
            (#""internetExposed": 1, "site": "Leeds", "segment": "dmz""#, "$[0].internetExposed", "must be true or false, not a number"),
            (#""internet_exposed": "sometimes", "site": "Leeds", "segment": "dmz""#, "$[0].internet_exposed", #""sometimes" is not true or false"#),
            (#""ip": ["10.0.0.1"]"#, "$[0].ip", "must be a string, not an array"),
            (#""site": {"name": "Leeds"}"#, "$[0].site", "must be a string, not an object"),
            (#""firmware": true"#, "$[0].firmware", "must be a string, not a boolean"),
        ]
        for (member, field, message) in cases {
            #expect(throws: ImportError.field(source: "a.json", line: 4, field: field, message: message)) {
                try parseInventory("[\n  {\"serial\": \"A\",\n   \"model\": \"M\",\n   \(member)}\n]", source: "a.json")
            }
        }
    }

    @Test func namesTheLineOfTheMemberWhoseValueIsMalformed() {
        let text = """
            [
              {
                "serial": "A",
                "model": "M",
                "firmware": "1.0",
                "releasedOn": "2025-13-01",
                "ip": "10.0.0.300",
                "mac": "00:1a:2b",
                "credentialState": "factory",
                "lastSeen": "soon"
              }
            ]
            """
        let cases: [(String, Int, String, String)] = [
            ("releasedOn", 6, "$[0].releasedOn", #""2025-13-01" is not a date in the form YYYY-MM-DD"#),
            ("ip", 7, "$[0].ip", #""10.0.0.300" is not an IPv4 or IPv6 address"#),
            ("mac", 8, "$[0].mac", #""00:1a:2b" is not a MAC address such as 00:1a:2b:3c:4d:5e"#),
            ("credentialState", 9, "$[0].credentialState", #""factory" is not one of default, changed, unknown"#),
            ("lastSeen", 10, "$[0].lastSeen", #""soon" is not an RFC 3339 time such as 2026-11-20T08:00:00Z"#),
        ]
        // Each case repairs the members that come before it, so the parser reaches the one under test.
        let repairs = ["2025-12-01", "10.0.0.3", "00:1a:2b:3c:4d:5e", "changed"]
        let broken = ["2025-13-01", "10.0.0.300", "00:1a:2b", "factory"]
        for (index, (_, line, field, message)) in cases.enumerated() {
            var document = text
            for fixed in 0..<index { document = document.replacingOccurrences(of: "\"\(broken[fixed])\"", with: "\"\(repairs[fixed])\"") }
            #expect(throws: ImportError.field(source: "a.json", line: line, field: field, message: message)) {
                try parseInventory(document, source: "a.json")
            }
        }
    }

    @Test func namesTheObjectLineForAMissingRequiredMember() {
        #expect(throws: ImportError.field(source: "a.json", line: 3, field: "$.devices[1].serial", message: "is required")) {
            try parseInventory("{\"devices\": [\n{\"serial\": \"A\", \"model\": \"M\"},\n{\"model\": \"M\"}]}", source: "a.json")
        }
        #expect(throws: ImportError.field(source: "a.json", line: 1, field: "$[0].model", message: "is required")) {
            try parseInventory(#"[{"serial": "A"}]"#, source: "a.json")
        }
    }

    @Test func refusesAnUnknownMember() throws {
        let error = try #require(throws: ImportError.self) {
            try parseInventory("[\n{\"serial\": \"A\",\n \"model\": \"M\",\n \"colour\": \"red\"}]", source: "a.json")
        }
        guard case .field(_, let line, let field, let message) = error else {
            Issue.record("expected a field error, got \(error)")
            return
        }
        #expect(line == 4)
        #expect(field == "$[0].colour")
        #expect(message.hasPrefix("is not a known member; expected one of category, credentialstate, firmware,"))
        #expect(
            throws: ImportError.format(
                source: "a.json", line: 2, message: "unknown member 'gadgets'; expected products, releases, segments or devices")
        ) {
            try parseInventory("{\"devices\": [],\n \"gadgets\": []}", source: "a.json")
        }
    }

    @Test func refusesAMemberGivenTwiceUnderTwoSpellings() {
        #expect(throws: ImportError.field(source: "a.json", line: 1, field: "$[0].product_name", message: "appears twice")) {
            try parseInventory(#"[{"serial": "A", "model": "M", "productName": "X", "product_name": "Y"}]"#, source: "a.json")
        }
    }

    @Test func refusesSectionsAndRecordsOfTheWrongShape() {
        #expect(throws: ImportError.format(source: "a.json", line: 1, message: "'products' must be an array, not an object")) {
            try parseInventory(#"{"products": {}}"#, source: "a.json")
        }
        #expect(throws: ImportError.format(source: "a.json", line: 2, message: "$.devices[1] must be an object, not a number")) {
            try parseInventory("{\"devices\": [{\"serial\": \"A\", \"model\": \"M\"},\n 42]}", source: "a.json")
        }
    }

    @Test func refusesADuplicateSerialAcrossRecords() {
        #expect(throws: ImportError.field(source: "a.json", line: 3, field: "serial", message: #""A" already appears on line 2"#)) {
            try parseInventory("[\n{\"serial\": \"A\", \"model\": \"M\"},\n{\"serial\": \"A\", \"model\": \"M\"}]", source: "a.json")
        }
    }

    @Test func refusesANestingBombWithoutExhaustingTheStack() {
        let bomb = String(repeating: "[", count: 10_000)
        #expect(throws: ImportError.format(source: "bomb.json", line: 1, message: "invalid JSON: nesting deeper than 64 levels")) {
            try parseInventory(bomb, source: "bomb.json")
        }
        let objects = String(repeating: #"{"devices": "#, count: 10_000)
        #expect(throws: ImportError.format(source: "bomb.json", line: 1, message: "invalid JSON: nesting deeper than 64 levels")) {
            try parseInventory(objects, source: "bomb.json")
        }
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try LocatedJSON.parse(Array(deepest.utf8), source: "a.json").typeName == "an array")
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: ImportError.format(source: "a.json", line: 1, message: "invalid JSON: nesting deeper than 64 levels")) {
            try LocatedJSON.parse(Array(tooDeep.utf8), source: "a.json")
        }
    }

    @Test func refusesInvalidUTF8InsideAString() {
        let bytes = Array("[\n{\"serial\": \"A".utf8) + [0xc3, 0x28] + Array("\", \"model\": \"M\"}]".utf8)
        #expect(throws: ImportError.format(source: "a.json", line: 2, message: "invalid JSON: a string is not valid UTF-8")) {
            try InventoryDocument.parse(bytes, source: "a.json")
        }
    }

    @Test(arguments: [
        (#"[{"serial": "\ud800", "model": "M"}]"#, "a lone UTF-16 high surrogate in a string"),
        (#"[{"serial": "\udc00", "model": "M"}]"#, "a lone UTF-16 low surrogate in a string"),
        (#"[{"serial": "\ud800\u0041", "model": "M"}]"#, "a UTF-16 high surrogate without its low half"),
        (#"[{"serial": "\ud800x", "model": "M"}]"#, "a lone UTF-16 high surrogate in a string"),
    ])
    func refusesLoneSurrogates(_ text: String, _ message: String) {
        #expect(throws: ImportError.format(source: "a.json", line: 1, message: "invalid JSON: \(message)")) {
            try parseInventory(text, source: "a.json")
        }
    }

    @Test(arguments: [
        ("[\n{\"serial\": \"A\", \"model\": \"M\"},\n]", 3, "unexpected character ']'"),
        ("[\n{\"serial\": \"A\" \"model\": \"M\"}]", 2, "expected ',' or '}' in an object"),
        ("[]\n[]", 2, "unexpected text after the JSON document"),
        ("[{\"serial\": \"A\",\n \"model\": \"M\"", 2, "the document ends inside an object"),
        ("[{\"serial\": tru}]", 1, "expected 'true'"),
        ("[{\"serial\": 012}]", 1, "numbers may not have leading zeros"),
        ("[{\"serial\": \"A\tB\"}]", 1, "a raw control character inside a string"),
        ("[{\"serial\": \"A\\x\"}]", 1, "an unknown escape '\\x' in a string"),
    ])
    func refusesMalformedJSONNamingTheLine(_ text: String, _ line: Int, _ message: String) {
        #expect(throws: ImportError.format(source: "a.json", line: line, message: "invalid JSON: \(message)")) {
            try parseInventory(text, source: "a.json")
        }
    }
}
