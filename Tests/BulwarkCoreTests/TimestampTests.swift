import BulwarkCore
import Foundation
import Testing

@Suite struct TimestampTests {
    /// 2026-11-22T04:52:05Z.
    static let instant = Date(timeIntervalSince1970: 1_795_323_125)

    @Test func formatsUTCWithWholeSeconds() {
        #expect(Timestamp.format(Self.instant) == "2026-11-22T04:52:05Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1.999)) == "1970-01-01T00:00:01Z")
    }

    @Test func formatsInstantsBeforeTheEpoch() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -86_400)) == "1969-12-31T00:00:00Z")
    }

    @Test func parsesTheFormItPrints() {
        #expect(Timestamp.parse("2026-11-22T04:52:05Z") == Self.instant)
        #expect(Timestamp.parse(Timestamp.format(Self.instant)) == Self.instant)
    }

    @Test func acceptsLowerCaseSeparatorsAndASpaceForT() {
        #expect(Timestamp.parse("2026-11-22t04:52:05z") == Self.instant)
        #expect(Timestamp.parse("2026-11-22 04:52:05Z") == Self.instant)
    }

    @Test func appliesNumericOffsetsToReachUTC() {
        #expect(Timestamp.parse("2026-11-22T06:52:05+02:00") == Self.instant)
        #expect(Timestamp.parse("2026-11-21T23:52:05-05:00") == Self.instant)
        #expect(Timestamp.parse("2026-11-22T10:22:05+05:30") == Self.instant)
        #expect(Timestamp.parse("2026-11-22T04:52:05+00:00") == Self.instant)
    }

    @Test func keepsFractionalSeconds() {
        #expect(Timestamp.parse("2026-11-22T04:52:05.25Z") == Self.instant.addingTimeInterval(0.25))
        #expect(Timestamp.parse("2026-11-22T04:52:05.500+01:00") == Self.instant.addingTimeInterval(-3600 + 0.5))
    }

    @Test func readsABareDateAsMidnightUTC() {
        #expect(Timestamp.parse("2026-11-22") == Date(timeIntervalSince1970: 20_779 * 86_400))
    }

    @Test(arguments: [
        "", "yesterday", "2026-11-22T04:52:05", "2026-11-22T04:52Z", "2026-11-22T24:00:00Z", "2026-11-22T04:60:00Z",
        "2026-02-30T04:52:05Z", "2026-11-22T04:52:05.Z", "2026-11-22T04:52:05+0200", "2026-11-22T04:52:05+02", "2026-11-22T04:52:05Zjunk",
        "2026-11-22X04:52:05Z", "2026-11-22T04:52:05+24:00", "2026-11-22T04:52:05+02:60", "2026-11-22T4:52:05Z", "2026-11-2",
    ])
    func rejectsTextThatIsNotAnRFC3339Time(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
