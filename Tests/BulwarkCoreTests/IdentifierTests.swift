import BulwarkCore
import Foundation
import Testing

@Suite struct IdentifierTests {
    @Test func derivesTheSameIdentifierFromTheSameParts() {
        let first = Identifier<Device>.derived(from: "org-1", "device", "CAM-0001")
        let second = Identifier<Device>.derived(from: "org-1", "device", "CAM-0001")
        #expect(first == second)
        #expect(first.rawValue == second.rawValue)
    }

    @Test func derivesDifferentIdentifiersFromDifferentParts() {
        let ids: Set<String> = [
            Identifier<Device>.derived(from: "org-1", "device", "CAM-0001").rawValue,
            Identifier<Device>.derived(from: "org-1", "device", "CAM-0002").rawValue,
            Identifier<Device>.derived(from: "org-2", "device", "CAM-0001").rawValue,
            // The parts are joined with a separator, so moving text between parts changes the id.
            Identifier<Device>.derived(from: "org-1", "deviceCAM-0001").rawValue,
            Identifier<Device>.derived(from: "org-1device", "CAM-0001").rawValue,
        ]
        #expect(ids.count == 5)
    }

    @Test func derivedIdentifiersAreVersionEightUUIDs() throws {
        for name in ["", "a", "CAM-0001", String(repeating: "x", count: 1000)] {
            let text = Identifier<Site>.derived(from: name).rawValue
            let characters = Array(text)
            #expect(characters.count == 36)
            #expect([characters[8], characters[13], characters[18], characters[23]] == ["-", "-", "-", "-"])
            #expect(characters[14] == "8", "version nibble of \(text)")
            #expect("89ab".contains(characters[19]), "RFC 9562 variant of \(text)")
            #expect(text == text.lowercased())
            #expect(try #require(UUID(uuidString: text)).uuidString.lowercased() == text)
        }
    }

    @Test func randomIdentifiersAreLowerCaseUUIDsThatDiffer() throws {
        let a = Identifier<Device>.random()
        let b = Identifier<Device>.random()
        #expect(a != b)
        #expect(a.rawValue == a.rawValue.lowercased())
        #expect(try #require(UUID(uuidString: a.rawValue)).uuidString.lowercased() == a.rawValue)
    }

    @Test func encodesAsItsBareText() throws {
        let id = Identifier<Device>(rawValue: "abc")
        #expect(String(decoding: try JSONEncoder().encode([id]), as: UTF8.self) == #"["abc"]"#)
        #expect(id.description == "abc")
    }
}
