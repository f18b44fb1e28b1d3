/// A horizontal bar chart drawn as inline SVG on the server, so the dashboard needs no JavaScript.
struct BarChart {
    struct Bar {
        var label: String
        var value: Int
        /// A CSS class for the bar's colour (`bar`, `bar-warn`, `bar-bad`).
        var style: String = "bar"
    }

    var bars: [Bar]
    var title: String

    func svg(width: Int = 560) -> String {
        let rowHeight = 26
        let labelWidth = 200
        let valueWidth = 60
        let height = max(1, bars.count) * rowHeight + 8
        let maximum = max(1, bars.map(\.value).max() ?? 1)
        let barSpace = width - labelWidth - valueWidth
        var svg =
            "<svg class=\"chart\" role=\"img\" aria-label=\"\(Self.escape(title))\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<title>\(Self.escape(title))</title>"
        for (index, bar) in bars.enumerated() {
            let y = 4 + index * rowHeight
            let length = bar.value == 0 ? 0 : max(2, bar.value * barSpace / maximum)
            svg += "<text class=\"chart-label\" x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\">\(Self.escape(bar.label))</text>"
            svg += "<rect class=\"\(bar.style)\" x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(length)\" height=\"\(rowHeight - 8)\" rx=\"3\"/>"
            svg += "<text class=\"chart-value\" x=\"\(labelWidth + length + 6)\" y=\"\(y + 17)\">\(bar.value)</text>"
        }
        return svg + "</svg>"
    }

    /// XML text escaping for labels that come from user data.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
