import BulwarkCore
import Foundation
import Testing

@Suite struct CalendarDayTests {
    @Test func parsesAnISODateIntoItsParts() throws {
        let day = try #require(CalendarDay("2026-11-22"))
        #expect(day.year == 2026)
        #expect(day.month == 11)
        #expect(day.day == 22)
    }

    @Test func printsWithZeroPaddedFields() throws {
        #expect(try #require(CalendarDay(year: 5, month: 1, day: 2)).description == "0005-01-02")
        #expect(try #require(CalendarDay("2026-03-09")).description == "2026-03-09")
    }

    @Test(arguments: [
        "2026-13-01", "2026-00-10", "2026-04-31", "2026-01-00", "2026-01-32", "0000-01-01", "2026-1-01", "2026/01/01", "26-01-01",
        "2026-01-01T00:00:00Z", "", "abcd-ef-gh", "2026-+1-01", "2026-01-1 ",
    ])
    func rejectsTextThatIsNotACalendarDate(_ text: String) {
        #expect(CalendarDay(text) == nil)
    }

    @Test func acceptsTheTwentyNinthOfFebruaryOnlyInLeapYears() {
        #expect(CalendarDay("2024-02-29") != nil)
        #expect(CalendarDay("2000-02-29") != nil)
        #expect(CalendarDay("2023-02-29") == nil)
        #expect(CalendarDay("1900-02-29") == nil)
        #expect(CalendarDay("2100-02-29") == nil)
    }

    @Test(arguments: [
        ("1970-01-01", 0), ("1969-12-31", -1), ("2000-03-01", 11_017), ("2024-02-29", 19_782), ("2026-11-22", 20_779),
        ("0001-01-01", -719_162), ("9999-12-31", 2_932_896),
    ])
    func countsDaysSinceTheUnixEpoch(_ text: String, _ days: Int) throws {
        #expect(try #require(CalendarDay(text)).daysSinceEpoch == days)
    }

    @Test func addingDaysCrossesMonthAndLeapDayBoundaries() throws {
        let day = try #require(CalendarDay("2024-02-28"))
        #expect(day.adding(days: 1).description == "2024-02-29")
        #expect(day.adding(days: 2).description == "2024-03-01")
        #expect(day.adding(days: 307).description == "2024-12-31")
        #expect(day.adding(days: 308).description == "2025-01-01")
        #expect(day.adding(days: -59).description == "2023-12-31")
    }

    @Test func findsTheUTCDayOfAnInstant() {
        #expect(CalendarDay(Date(timeIntervalSince1970: 1_795_323_125)).description == "2026-11-22")
        #expect(CalendarDay(Date(timeIntervalSince1970: -1)).description == "1969-12-31")
        #expect(CalendarDay(Date(timeIntervalSince1970: 86_399)).description == "1970-01-01")
    }

    @Test func startDateIsMidnightUTC() throws {
        #expect(try #require(CalendarDay("2026-11-22")).startDate == Date(timeIntervalSince1970: 20_779 * 86_400))
    }

    @Test func ordersChronologically() throws {
        let days = try ["2026-01-10", "2025-12-31", "2026-01-02"].map { try #require(CalendarDay($0)) }
        #expect(days.sorted().map(\.description) == ["2025-12-31", "2026-01-02", "2026-01-10"])
    }

    @Test func roundTripsThroughJSONAsText() throws {
        let day = try #require(CalendarDay("2026-11-22"))
        let encoded = try JSONEncoder().encode([day])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["2026-11-22"]"#)
        #expect(try JSONDecoder().decode([CalendarDay].self, from: encoded) == [day])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CalendarDay].self, from: Data(#"["2026-02-30"]"#.utf8)) }
    }
}
