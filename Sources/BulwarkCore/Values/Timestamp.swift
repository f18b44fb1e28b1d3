import Foundation

/// RFC 3339 timestamps in UTC with whole seconds (`2026-11-22T04:52:05Z`), the one form Bulwark stores and prints.
///
/// Text in this form sorts in time order, so it compares the same in SQLite and PostgreSQL.
public enum Timestamp {
    /// Formats an instant as `YYYY-MM-DDTHH:MM:SSZ`.
    public static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (y, m, d) = CivilCalendar.civil(fromDays: days)
        return CalendarDay.pad(y, 4) + "-" + CalendarDay.pad(m, 2) + "-" + CalendarDay.pad(d, 2) + "T"
            + CalendarDay.pad(secondOfDay / 3600, 2) + ":" + CalendarDay.pad(secondOfDay / 60 % 60, 2) + ":"
            + CalendarDay.pad(secondOfDay % 60, 2) + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS` followed by optional fractional seconds and `Z` or a `±HH:MM` offset.
    /// A bare `YYYY-MM-DD` means midnight UTC.
    public static func parse(_ text: some StringProtocol) -> Date? {
        let bytes = Array(text.utf8)
        if bytes.count == 10 { return CalendarDay(text)?.startDate }
        guard bytes.count >= 20, let day = CalendarDay(String(decoding: bytes[0..<10], as: UTF8.self)),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        func two(_ at: Int) -> Int? {
            let a = Int(bytes[at]) - 48
            let b = Int(bytes[at + 1]) - 48
            guard (0...9).contains(a), (0...9).contains(b) else { return nil }
            return a * 10 + b
        }
        guard let hour = two(11), let minute = two(14), let second = two(17), hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            // RFC 3339 §5.6: time-numoffset is ("+" / "-") time-hour ":" time-minute, so 00-23 and 00-59.
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"), let oh = two(index + 1), let om = two(index + 4), oh < 24, om < 60
            else {
                return nil
            }
            offsetSeconds = (oh * 3600 + om * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        let total = day.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: TimeInterval(total) + fraction)
    }
}
