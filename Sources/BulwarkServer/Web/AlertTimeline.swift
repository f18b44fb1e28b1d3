import BulwarkCore
import Foundation

/// A device's network alerts along one time axis, one lane per rule, drawn as inline SVG on the server.
///
/// Each alert is a mark at the time its evidence starts, coloured by severity and titled with the time and the alert,
/// so the page needs no JavaScript and reads the same in a screen reader (the marks' titles) as on screen.
struct AlertTimeline {
    struct Mark {
        var time: Date
        var rule: String
        var severity: Severity
        var title: String
    }

    var marks: [Mark]
    var title: String

    /// The marks of the stored network alerts among a device's findings (kind `network.*`, time = start of evidence).
    /// Findings whose time cannot be read are left out and counted in `unreadable`, never guessed.
    init(findings: [Finding], title: String) {
        var marks: [Mark] = []
        var unreadable = 0
        for finding in findings where finding.kind.hasPrefix("network.") {
            guard let time = Timestamp.parse(finding.provenance.observedAt) else {
                unreadable += 1
                continue
            }
            marks.append(Mark(time: time, rule: finding.evidence.rule, severity: finding.severity, title: finding.title))
        }
        self.marks = marks.sorted { ($0.time, $0.rule) < ($1.time, $1.rule) }
        self.unreadable = unreadable
        self.title = title
    }

    /// Network alert findings left off the timeline because their time was not a timestamp.
    private(set) var unreadable = 0

    static let laneHeight = 28
    static let labelWidth = 170
    static let axisHeight = 34
    static let ticks = 5

    /// Rules in the order of their first alert: the earliest trouble on top.
    var lanes: [String] {
        var seen: Set<String> = []
        return marks.compactMap { seen.insert($0.rule).inserted ? $0.rule : nil }
    }

    /// The time axis: from the first to the last alert, or an hour either side of a single instant.
    var span: (start: Date, end: Date)? {
        guard let first = marks.first?.time, let last = marks.last?.time else { return nil }
        return first == last ? (first.addingTimeInterval(-3600), last.addingTimeInterval(3600)) : (first, last)
    }

    /// The horizontal position of `time` between the label column and the right margin.
    func x(_ time: Date, width: Int) -> Int {
        guard let span else { return Self.labelWidth }
        let plot = Double(width - Self.labelWidth - 20)
        let fraction = time.timeIntervalSince(span.start) / span.end.timeIntervalSince(span.start)
        return Self.labelWidth + Int((fraction * plot).rounded())
    }

    func svg(width: Int = 720) -> String {
        let lanes = self.lanes
        let height = Swift.max(1, lanes.count) * Self.laneHeight + Self.axisHeight
        var svg = "<svg class=\"chart timeline\" role=\"img\" aria-label=\"\(BarChart.escape(title))\" viewBox=\"0 0 \(width) \(height)\""
        svg += " width=\"\(width)\" height=\"\(height)\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<title>\(BarChart.escape(title))</title>"
        guard let span else { return svg + "</svg>" }
        let axisY = lanes.count * Self.laneHeight + 6
        for (index, lane) in lanes.enumerated() {
            let y = index * Self.laneHeight + Self.laneHeight / 2
            svg += "<text class=\"chart-label\" x=\"\(Self.labelWidth - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(BarChart.escape(lane))</text>"
            svg += "<line class=\"lane\" x1=\"\(Self.labelWidth)\" y1=\"\(y)\" x2=\"\(width - 20)\" y2=\"\(y)\"/>"
        }
        svg += "<line class=\"axis\" x1=\"\(Self.labelWidth)\" y1=\"\(axisY)\" x2=\"\(width - 20)\" y2=\"\(axisY)\"/>"
        // Day-long spans or more are labelled by date, shorter ones by time of day (UTC, as everywhere in Bulwark).
        let byDate = span.end.timeIntervalSince(span.start) >= 2 * 86_400
        for tick in 0..<Self.ticks {
            let time = span.start.addingTimeInterval(span.end.timeIntervalSince(span.start) * Double(tick) / Double(Self.ticks - 1))
            let stamp = Timestamp.format(time)
            let label = byDate ? String(stamp.prefix(10)) : String(stamp.dropFirst(5).prefix(11)).replacingOccurrences(of: "T", with: " ")
            let anchor = tick == 0 ? "start" : tick == Self.ticks - 1 ? "end" : "middle"
            let at = x(time, width: width)
            svg += "<line class=\"tick\" x1=\"\(at)\" y1=\"\(axisY)\" x2=\"\(at)\" y2=\"\(axisY + 5)\"/>"
            svg += "<text class=\"chart-value\" x=\"\(at)\" y=\"\(axisY + 18)\" text-anchor=\"\(anchor)\">\(label)</text>"
        }
        for mark in marks {
            guard let lane = lanes.firstIndex(of: mark.rule) else { continue }
            let y = lane * Self.laneHeight + Self.laneHeight / 2
            svg += "<circle class=\"mark sev-\(mark.severity.rawValue)\" cx=\"\(x(mark.time, width: width))\" cy=\"\(y)\" r=\"6\">"
            svg += "<title>\(Timestamp.format(mark.time)) · \(mark.severity.rawValue) · \(BarChart.escape(mark.title))</title></circle>"
        }
        return svg + "</svg>"
    }
}
