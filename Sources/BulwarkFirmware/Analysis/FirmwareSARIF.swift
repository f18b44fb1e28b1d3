import BulwarkCore
import Foundation

/// A firmware report as a SARIF 2.1.0 log (OASIS SARIF v2.1.0): one rule per finding rule, one result per finding,
/// located in the image's file and line; findings the release policy failed on are errors.
public enum FirmwareSARIF {
    public static func log(_ report: FirmwareReport, verdict: ReleasePolicy.Verdict?, toolVersion: String) throws -> Data {
        let failing = Set((verdict?.violations ?? []).compactMap { v in v.rule.map { "\($0)|\(v.location ?? "")" } })
        let ruleIDs = Array(Set(report.findings.map(\.rule) + (verdict?.violations.compactMap(\.rule) ?? []))).sorted()
        let titles = Dictionary(report.findings.map { ($0.rule, $0.title) }, uniquingKeysWith: { first, _ in first })
        let rules: [[String: Any]] = ruleIDs.map { id in
            var rule: [String: Any] = ["id": id, "shortDescription": ["text": titles[id] ?? id]]
            if let provision = report.findings.first(where: { $0.rule == id })?.provision {
                rule["properties"] = ["tags": ["EN 303 645 \(provision)"]]
            }
            return rule
        }
        var results: [[String: Any]] = report.findings.map { finding in
            let level: String =
                failing.contains("\(finding.rule)|\(finding.location)")
                ? "error"
                : finding.severity >= .high ? "warning" : "note"
            var location: [String: Any] = ["artifactLocation": ["uri": artifact(report.image, finding.file)]]
            if let line = finding.line { location["region"] = ["startLine": line] }
            return [
                "ruleId": finding.rule, "ruleIndex": ruleIDs.firstIndex(of: finding.rule) ?? 0, "level": level,
                "message": ["text": "\(finding.title): \(finding.evidence)"],
                "locations": [["physicalLocation": location]],
            ]
        }
        for violation in verdict?.violations ?? [] where violation.clause == "kev" || !report.findings.contains(where: { $0.rule == violation.rule })
        {
            results.append([
                "ruleId": violation.rule ?? violation.clause, "ruleIndex": ruleIDs.firstIndex(of: violation.rule ?? "") ?? 0, "level": "error",
                "message": ["text": violation.message],
                "locations": [["physicalLocation": ["artifactLocation": ["uri": report.image]]]],
            ])
        }
        let log: [String: Any] = [
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                [
                    "tool": ["driver": ["name": "Bulwark", "version": toolVersion, "rules": rules]],
                    "results": results,
                ]
            ],
        ]
        return try JSONSerialization.data(withJSONObject: log, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// A file inside the image as a relative URI (`image.bin/etc/shadow`), or the image itself.
    static func artifact(_ image: String, _ file: String?) -> String {
        guard let file else { return image }
        let encoded = file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file
        return image + encoded
    }
}
