import Foundation
import Testing

@testable import BulwarkFirmware

/// The HTML report: one page with nothing fetched from elsewhere, and every string from the image escaped.
@Suite struct FirmwareHTMLReportTests {
    @Test func escapesMarkupQuotesAndControlCharacters() {
        #expect(FirmwareHTMLReport.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(FirmwareHTMLReport.escape("bell\u{7}tab\tnl\n") == "bell\\u{7}tab\tnl\n")
        #expect(FirmwareHTMLReport.escape("ünïcødé") == "ünïcødé")
    }

    @Test func rendersHostileNamesAndContentAsText() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.write("root/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        try bench.write("root/etc/init.d/rcS", "#!/bin/sh\n/usr/sbin/telnetd -l /bin/sh <img src=x onerror=alert(1)>\n", mode: 0o755)
        try bench.write("root/www/x\"><script>alert('owned')<script>.cgi", "#!/bin/sh\ntelnetd\n", mode: 0o755)
        try bench.write("root/bin/busybox", elf(["BusyBox v1.31.1 (2020-03-05 10:12:13 CET) multi-call binary."]), mode: 0o755)
        let report = try FirmwareAnalyzer().analyze(path: bench.path("root"), now: AnalysisTests.now)
        let page = FirmwareHTMLReport.render(report, toolVersion: "0.1.0")
        #expect(page.hasPrefix("<!doctype html>"))
        #expect(page.contains("<code>/www/x&quot;&gt;&lt;script&gt;alert(&#39;owned&#39;)&lt;script&gt;.cgi</code>"))
        let telnet = try #require(report.findings.first { $0.rule == "services.telnet-without-login" })
        #expect(telnet.evidence.contains("<img src=x onerror=alert(1)>"))
        #expect(page.contains("<td>\(FirmwareHTMLReport.escape(telnet.evidence))</td>"))
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"), "the init script's line, as text")
        #expect(!page.contains("<script"))
        #expect(!page.contains("<img"))
        #expect(!page.contains("src=\"") && !page.contains("href=\""), "nothing is loaded from elsewhere")
        #expect(page.contains("<td>busybox</td><td>1.31.1</td><td><code>pkg:generic/busybox@1.31.1</code></td>"))
        #expect(page.contains("<h2 id=\"findings\">Findings (\(report.findings.count))</h2>"))
        #expect(page.contains("Bulwark 0.1.0"))
    }
}
