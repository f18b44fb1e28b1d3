import BulwarkCore
import Foundation

/// A firmware report as one self-contained HTML page: styles inline, no script, no external resource, so it can be
/// mailed or archived and opened anywhere. Every value from the image (file names, banners, subjects) is escaped.
public enum FirmwareHTMLReport {
    /// The page for `report`; `toolVersion` names the Bulwark that wrote it. With a release gate's `verdict` (and the
    /// policy file it came from), the page opens with the verdict and every violation.
    public static func render(
        _ report: FirmwareReport, toolVersion: String, verdict: ReleasePolicy.Verdict? = nil, policy: String? = nil
    ) -> String {
        var html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>Firmware report: \(escape(report.image))</title>
            <style>\(style)</style>
            </head>
            <body>
            <h1>Firmware report: <code>\(escape(report.image))</code></h1>

            """
        let timestamp = Timestamp.format(report.analysedAt)
        html += "<dl class=\"facts\">"
        html += fact("Image", "<code>\(escape(report.image))</code>, \(report.size) bytes")
        html += fact("SHA-256", "<code>\(escape(report.sha256))</code>")
        html += fact("Analysed", "\(escape(timestamp)) by Bulwark \(escape(toolVersion)), signatures \(escape(report.signatureSetVersion))")
        let extractors = report.extraction.byExtractor.sorted { $0.key < $1.key }.map { "\(escape($0.key)) \($0.value)" }.joined(separator: ", ")
        html += fact(
            "Unpacked",
            "\(report.extraction.entries) entries, \(report.extraction.regularFiles) files, \(report.extraction.bytes) bytes (\(extractors))")
        html += fact(
            "Signatures", report.integrity.signatures.isEmpty ? "none recognised" : report.integrity.signatures.map(escape).joined(separator: ", "))
        if let verification = report.integrity.verification {
            html += fact("Signature check", verification.valid ? "verifies" : "<strong class=\"bad\">does not verify</strong>")
        }
        html += fact("Update mechanism", report.updateMechanism.isEmpty ? "none found" : report.updateMechanism.map(escape).joined(separator: ", "))
        html += "</dl>\n"

        if let verdict {
            let source = policy.map { " of <code>\(escape($0))</code>" } ?? ""
            html += "<h2 id=\"verdict\">Release gate</h2>\n"
            html +=
                verdict.passed
                ? "<p><span class=\"badge\">PASS</span> the image holds the release policy\(source); \(verdict.waived) findings waived.</p>\n"
                : "<p><span class=\"badge bad\">FAIL</span> \(verdict.violations.count) violations of the release policy\(source); "
                    + "\(verdict.waived) findings waived.</p>\n"
            html += table(
                id: "violations-table", ["Clause", "Violation", "Rule", "Where"],
                verdict.violations.map { v in
                    [
                        "<code>\(escape(v.clause))</code>", escape(v.message), v.rule.map { "<code>\(escape($0))</code>" } ?? "",
                        v.location.map { "<code>\(escape($0))</code>" } ?? "",
                    ]
                })
        }
        let counts = report.severityCounts.map { "<span class=\"badge sev-\($0.0.rawValue)\">\($0.1) \($0.0.rawValue)</span>" }.joined(separator: " ")
        html += "<h2 id=\"findings\">Findings (\(report.findings.count))</h2>\n"
        html += report.findings.isEmpty ? "<p>No findings.</p>\n" : "<p>\(counts)</p>\n"
        html += table(
            id: "findings-table", ["Severity", "Rule", "Where", "Finding", "Evidence", "EN 303 645"],
            report.findings.map { f in
                [
                    "<span class=\"badge sev-\(f.severity.rawValue)\">\(f.severity.rawValue)</span>", "<code>\(escape(f.rule))</code>",
                    "<code>\(escape(f.location))</code>", escape(f.title), escape(f.evidence), f.provision.map(escape) ?? "",
                ]
            })

        html += "<h2 id=\"components\">Components (\(report.components.count))</h2>\n"
        html += table(
            id: "components-table", ["Component", "Version", "purl", "CPE", "Found in"],
            report.components.map { c in
                [
                    escape(c.name), escape(c.version), "<code>\(escape(c.purl))</code>", c.cpe.map { "<code>\(escape($0))</code>" } ?? "",
                    c.evidence.map { "<code>\(escape($0.file))</code> (\(escape($0.method)): \(escape($0.detail)))" }.joined(separator: "<br>"),
                ]
            })

        html += "<h2 id=\"accounts\">Accounts (\(report.accounts.count))</h2>\n"
        html += table(
            id: "accounts-table", ["User", "UID", "Shell", "Where"],
            report.accounts.map { a in
                [escape(a.username), a.uid.map(String.init) ?? "", escape(a.shell ?? ""), "<code>\(escape(a.file)):\(a.line)</code>"]
            })

        html += "<h2 id=\"keys\">Keys and certificates (\(report.keys.count))</h2>\n"
        html += table(
            id: "keys-table", ["Kind", "Algorithm", "File", "Subject", "Fingerprint"],
            report.keys.map { k in
                [
                    escape(k.kind.rawValue), escape(k.algorithm) + (k.bits.map { " \($0)" } ?? ""), "<code>\(escape(k.file))</code>",
                    escape(k.subject ?? ""), "<code>\(escape(k.fingerprint))</code>",
                ]
            })

        if !report.extraction.refusals.isEmpty {
            html += "<h2 id=\"refusals\">Not unpacked (\(report.extraction.refusals.count))</h2>\n<ul>"
            for refusal in report.extraction.refusals { html += "<li>\(escape(refusal.description))</li>" }
            html += "</ul>\n"
        }

        html += "<h2 id=\"files\">Files (\(report.files.count))</h2>\n<details><summary>Every unpacked entry</summary>\n"
        let fingerprints = Dictionary(report.fingerprints.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        html += table(
            id: "files-table", ["Path", "Kind", "Mode", "Size", "SHA-256", "From"],
            report.files.map { f in
                [
                    "<code>\(escape(f.path))</code>", escape(f.kind.rawValue), escape(f.mode), String(f.size),
                    fingerprints[f.path].map { "<code>\(escape($0.sha256))</code>" } ?? "",
                    escape(f.origin.isEmpty ? f.extractor : f.origin + " > " + f.extractor),
                ]
            })
        html += "</details>\n</body>\n</html>\n"
        return html
    }

    /// Escapes text for HTML element content and quoted attribute values (HTML Living Standard §13.1.2.6 and §13.2.5).
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters other than tab and newline are not allowed in HTML text; show them as code points.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}":
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func fact(_ term: String, _ html: String) -> String { "<dt>\(escape(term))</dt><dd>\(html)</dd>" }

    /// A table whose cells are already HTML; an empty list shows "none".
    private static func table(id: String, _ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p class=\"none\">None.</p>\n" }
        var html = "<table id=\"\(id)\"><thead><tr>" + header.map { "<th scope=\"col\">\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows { html += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>\n" }
        return html + "</tbody></table>\n"
    }

    private static let style = """
        body{font:15px/1.45 system-ui,sans-serif;color:#1b2430;margin:1.5rem auto;max-width:1200px;padding:0 1rem}
        h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem}code{font-size:.9em;word-break:break-all}
        table{width:100%;border-collapse:collapse;margin:.4rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d8dee6;vertical-align:top}
        th{background:#eef2f6}.facts{display:grid;grid-template-columns:11rem 1fr;gap:.2rem 1rem}.facts dt{color:#5d6b7a}.facts dd{margin:0}
        .badge{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.8rem;font-weight:600;background:#e6ebf1}
        .sev-critical,.bad{background:#fde2e2;color:#c62828}.sev-high{background:#fff0d6;color:#b26b00}.sev-medium{background:#fff8d6;color:#806000}
        """
}
