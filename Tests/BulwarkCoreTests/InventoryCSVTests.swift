import BulwarkCore
import Foundation
import Testing

/// Parses inventory text as an upload would arrive: raw bytes with a file name.
func parseInventory(_ text: String, source: String = "x.csv") throws(ImportError) -> InventoryDocument {
    try InventoryDocument.parse(Array(text.utf8), source: source)
}

@Suite struct InventoryCSVTests {
    @Test func readsEveryColumnThroughItsAliases() throws {
        let document = try parseInventory(
            """
            Serial,Product,Product Name,Manufacturer,Product-Line,Trunk,Category,Firmware-Version,Release Date,Support End,Site,Segment,Exposed,IP Address,MAC Address,Credentials,Last Seen
            CAM-0001,LC-200,Lumen Cam,Lumen,Cameras,lumen-os,camera,2.4.1,2025-03-01,2028-12-31,Leeds,dmz,yes,2001:DB8::5,00-1A-2B-3C-4D-5E,Default,2026-11-20T08:00:00+01:00

            """)
        let product = try #require(document.products.first)
        #expect(document.products.count == 1)
        #expect(
            [product.model, product.name, product.manufacturer, product.productLine, product.trunk, product.category]
                == ["LC-200", "Lumen Cam", "Lumen", "Cameras", "lumen-os", "camera"])
        let release = try #require(document.releases.first)
        #expect(release.version == "2.4.1")
        #expect(release.releasedOn?.description == "2025-03-01")
        #expect(release.supportUntil?.description == "2028-12-31")
        let segment = try #require(document.segments.first)
        #expect([segment.site, segment.name] == ["Leeds", "dmz"])
        #expect(segment.internetExposed == true)
        let device = try #require(document.devices.first)
        #expect(device.line == 2)
        #expect(device.serial == "CAM-0001")
        #expect(device.model == "LC-200")
        #expect(device.firmware == "2.4.1")
        #expect(device.ipAddress?.text == "2001:db8::5")
        #expect(device.macAddress?.text == "00:1a:2b:3c:4d:5e")
        #expect(device.credentialState == .default)
        #expect(device.lastSeen == "2026-11-20T07:00:00Z")
    }

    @Test func mergesProductsAndReleasesRepeatedAcrossRows() throws {
        let document = try parseInventory(
            """
            serial,model,product_name,firmware,released_on
            A,LC-200,Lumen Cam,2.4.1,2025-03-01
            B,LC-200,,2.4.1,
            C,LC-200,Lumen Cam,2.5.0,
            D,SP-10,,,
            """)
        #expect(document.products.map(\.model) == ["LC-200", "SP-10"])
        #expect(document.products.map(\.name) == ["Lumen Cam", nil])
        #expect(document.releases.map(\.version) == ["2.4.1", "2.5.0"])
        #expect(document.releases.map(\.releasedOn?.description) == ["2025-03-01", nil])
        #expect(document.devices.map(\.line) == [2, 3, 4, 5])
        #expect(document.devices.map(\.credentialState) == [.unknown, .unknown, .unknown, .unknown])
    }

    @Test func unquotesFieldsWithCommasAndDoubledQuotes() throws {
        let document = try parseInventory(
            """
            serial,model,product_name
            A,LC-200,"Lumen Cam, ""Pro"" edition"
            "B",LC-300,""
            """)
        #expect(document.products.map(\.name) == [#"Lumen Cam, "Pro" edition"#, nil])
        #expect(document.devices.map(\.serial) == ["A", "B"])
    }

    @Test func countsLinesInsideQuotedFieldsSoLaterRowsKeepTheirLineNumbers() throws {
        let text = "serial,model,product_name,ip\nA,LC-200,\"Lumen Cam\n\",10.0.0.1\nB,LC-300,\"\nPlug\n\",10.0.0.2\nC,LC-300,Plug,10.0.0.3\n"
        let document = try parseInventory(text)
        #expect(document.devices.map(\.line) == [2, 4, 7])
        #expect(document.products.map(\.name) == ["Lumen Cam", "Plug"])
        #expect(throws: ImportError.field(source: "x.csv", line: 7, field: "ip", message: #""10.0.0.300" is not an IPv4 or IPv6 address"#)) {
            try parseInventory(text.replacingOccurrences(of: "10.0.0.3\n", with: "10.0.0.300\n"))
        }
    }

    @Test func refusesALineBreakInsideAValueNamingTheRowItStartsOn() {
        #expect(throws: ImportError.field(source: "x.csv", line: 3, field: "product_name", message: "contains control characters")) {
            try parseInventory("serial,model,product_name\nA,LC-200,Cam\nB,LC-300,\"Smart\nPlug\"\n")
        }
    }

    @Test func skipsAByteOrderMarkAndReadsCRLFLineEnds() throws {
        let document = try parseInventory("\u{FEFF}serial,model,ip\r\nA,LC-200,10.0.0.1\r\nB,LC-200,10.0.0.2\r\n")
        #expect(document.devices.map(\.serial) == ["A", "B"])
        #expect(document.devices.map(\.line) == [2, 3])
        #expect(document.devices.map(\.ipAddress?.text) == ["10.0.0.1", "10.0.0.2"])
    }

    @Test func skipsBlankLinesButKeepsCountingThem() {
        #expect(throws: ImportError.format(source: "x.csv", line: 5, message: "3 fields where the header has 2")) {
            try parseInventory("serial,model\n\nA,LC-200\n\nB,LC-200,extra\n")
        }
    }

    @Test func namesTheLineAndFieldOfABadAddress() {
        #expect(throws: ImportError.field(source: "x.csv", line: 4, field: "ip", message: #""10.0.0.300" is not an IPv4 or IPv6 address"#)) {
            try parseInventory("serial,model,ip\nA,LC-200,10.0.0.1\nB,LC-200,10.0.0.2\nC,LC-200,10.0.0.300\n")
        }
    }

    @Test func namesTheLineAndFieldOfEachMalformedValue() {
        let header = "serial,model,mac,released_on,firmware,site,segment,internet_exposed,credential_state,last_seen\n"
        let good = "A,LC-200,00:1a:2b:3c:4d:5e,2025-03-01,1.0,Leeds,dmz,no,changed,2026-11-20T08:00:00Z\n"
        let cases: [(String, String, String)] = [
            ("B,LC-200,00:1a:2b:3c:4d,,,,,,,\n", "mac", #""00:1a:2b:3c:4d" is not a MAC address such as 00:1a:2b:3c:4d:5e"#),
            ("B,LC-200,,2025-02-30,1.1,,,,,\n", "released_on", #""2025-02-30" is not a date in the form YYYY-MM-DD"#),
            ("B,LC-200,,,,Leeds,lab,maybe,,\n", "internet_exposed", #""maybe" is not true or false"#),
            ("B,LC-200,,,,,,,factory,\n", "credential_state", #""factory" is not one of default, changed, unknown"#),
            ("B,LC-200,,,,,,,,last week\n", "last_seen", #""last week" is not an RFC 3339 time such as 2026-11-20T08:00:00Z"#),
            ("B,LC-200,,,,,lab,,,\n", "site", "is required when a segment is given"),
            (",LC-200,,,,,,,,\n", "serial", "is required but empty"),
            ("B, ,,,,,,,,\n", "model", "is required but empty"),
        ]
        for (row, field, message) in cases {
            #expect(throws: ImportError.field(source: "x.csv", line: 3, field: field, message: message)) {
                try parseInventory(header + good + row)
            }
        }
    }

    @Test func refusesASerialThatAppearsTwice() {
        #expect(throws: ImportError.field(source: "x.csv", line: 4, field: "serial", message: #""A" already appears on line 2"#)) {
            try parseInventory("serial,model\nA,LC-200\nB,LC-200\nA,LC-300\n")
        }
    }

    @Test func refusesAProductNameThatContradictsAnEarlierRow() {
        let expected = ImportError.field(
            source: "x.csv", line: 4, field: "product_name", message: #""Lumen Camera" contradicts "Lumen Cam" given on line 2"#)
        #expect(throws: expected) {
            try parseInventory("serial,model,product_name\nA,LC-200,Lumen Cam\nB,LC-200,\nC,LC-200,Lumen Camera\n")
        }
    }

    @Test func refusesReleaseDatesThatContradictAnEarlierRow() {
        let expected = ImportError.field(
            source: "x.csv", line: 3, field: "support_until", message: #""2029-01-01" contradicts "2028-12-31" given on line 2"#)
        #expect(throws: expected) {
            try parseInventory("serial,model,firmware,support_until\nA,LC-200,1.0,2028-12-31\nB,LC-200,1.0,2029-01-01\n")
        }
    }

    @Test func refusesAnUnknownColumnOnTheHeaderLine() throws {
        let error = try #require(throws: ImportError.self) { try parseInventory("serial,model,colour\nA,LC-200,red\n") }
        guard case .format(let source, let line, let message) = error else {
            Issue.record("expected a format error, got \(error)")
            return
        }
        #expect(source == "x.csv")
        #expect(line == 1)
        #expect(message.hasPrefix("unknown column 'colour'; known columns are category, credential_state, firmware,"))
    }

    @Test func refusesAHeaderWithoutARequiredOrWithARepeatedColumn() {
        #expect(throws: ImportError.format(source: "x.csv", line: 1, message: "the header has no 'model' column")) {
            try parseInventory("serial,ip\nA,10.0.0.1\n")
        }
        #expect(throws: ImportError.format(source: "x.csv", line: 1, message: "column 'ip' appears twice")) {
            try parseInventory("serial,model,ip,IP Address\nA,LC-200,10.0.0.1,10.0.0.1\n")
        }
    }

    @Test func refusesARowWithTheWrongNumberOfFields() {
        #expect(throws: ImportError.format(source: "x.csv", line: 3, message: "1 fields where the header has 2")) {
            try parseInventory("serial,model\nA,LC-200\nB\n")
        }
    }

    @Test func refusesBrokenQuoting() {
        #expect(throws: ImportError.format(source: "x.csv", line: 2, message: "a quoted field is never closed")) {
            try parseInventory("serial,model\nA,\"LC-200\nB,LC-200\n")
        }
        #expect(
            throws: ImportError.format(
                source: "x.csv", line: 2, message: "a quote inside an unquoted field; quote the whole field and double inner quotes")
        ) {
            try parseInventory("serial,model\nA,LC\"200\n")
        }
        #expect(throws: ImportError.format(source: "x.csv", line: 2, message: "text after a closing quote")) {
            try parseInventory("serial,model\nA,\"LC-200\"x\n")
        }
    }

    @Test func refusesAnEmptyFile() {
        #expect(throws: ImportError.format(source: "x.csv", line: 1, message: "the file is empty; expected a header row")) {
            try parseInventory("")
        }
        #expect(throws: ImportError.format(source: "x.csv", line: 1, message: "the file is empty; expected a header row")) {
            try parseInventory("\u{FEFF}")
        }
    }

    @Test func namesTheLineOfInvalidUTF8WhereverItIsInTheRow() {
        let header = Array("serial,model\nA,LC-200\n".utf8)
        for row in [[0x42, 0xff, 0x2c, 0x4d, 0x0a], [0x42, 0x2c, 0x4d, 0xff, 0x0a], [0x42, 0x2c, 0x4d, 0xff]] as [[UInt8]] {
            #expect(throws: ImportError.format(source: "x.csv", line: 3, message: "the file is not valid UTF-8")) {
                try InventoryDocument.parse(header + row, source: "x.csv")
            }
        }
    }

    @Test func refusesAFileOverTheSizeLimitBeforeReadingIt() {
        let bytes = [UInt8](repeating: UInt8(ascii: "A"), count: InventoryDocument.maximumBytes + 1)
        #expect(throws: ImportError.tooLarge(source: "big.csv", bytes: 67_108_865, limit: 67_108_864)) {
            try InventoryDocument.parse(bytes, source: "big.csv")
        }
    }

    @Test func describesErrorsInOneLineWithTheirPlace() {
        #expect(
            ImportError.field(source: "x.csv", line: 4, field: "ip", message: "bad").description
                == "x.csv:4: field 'ip': bad; nothing was imported")
        #expect(ImportError.format(source: "x.csv", line: 1, message: "bad").description == "x.csv:1: bad; nothing was imported")
        #expect(
            ImportError.tooLarge(source: "big.csv", bytes: 10, limit: 5).description
                == "big.csv: 10 bytes is more than the import limit of 5 bytes; split the file")
        #expect(ImportError.tooLarge(source: "big.csv", bytes: 10, limit: 5).line == 0)
    }
}
