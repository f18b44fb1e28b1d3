import BulwarkCore
import Foundation

/// Passwords written into init scripts and configuration files. Each rule names the construct it recognises; values
/// that are variables, command substitutions or empty are not credentials and are skipped.
enum HardcodedCredentialRules {
    struct Rule {
        let id: String
        let expression: NSRegularExpression
        /// Capture group holding the secret.
        let secretGroup: Int
        let describe: String
    }

    static let rules: [Rule] = [
        Rule(
            id: "credentials.hardcoded.chpasswd",
            expression: try! NSRegularExpression(
                pattern: #"echo\s+(?:-[en]+\s+)?["']?([A-Za-z0-9_.-]+):([^"'\s|]+)["']?\s*\|\s*(?:/usr/sbin/|/sbin/)?chpasswd"#),
            secretGroup: 2, describe: "sets a fixed password through chpasswd"),
        Rule(
            id: "credentials.hardcoded.passwd-pipe",
            expression: try! NSRegularExpression(pattern: #"echo\s+(?:-e\s+)?["']?([^"'\s\\]+)\\n\1["']?\s*\|\s*(?:/usr/bin/|/bin/)?passwd\b"#),
            secretGroup: 1, describe: "sets a fixed password through passwd"),
        Rule(
            id: "credentials.hardcoded.url",
            expression: try! NSRegularExpression(pattern: #"\b[a-z][a-z0-9+.-]*://([A-Za-z0-9._%-]+):([^/\s:@"']+)@[A-Za-z0-9.-]+"#),
            secretGroup: 2, describe: "embeds a user name and password in a URL"),
        Rule(
            id: "credentials.hardcoded.assignment",
            expression: try! NSRegularExpression(
                pattern:
                    #"(?i)(?:^|[\s{,;"'<])((?:[a-z]+_)?(?:password|passwd|passphrase|pwd|pass|secret|psk|wpa_key|api_?key|auth_?token))["']?\s*(?:=|:|>)\s*["']?([^\s"'<>;,}]{3,})"#
            ),
            secretGroup: 2, describe: "assigns a fixed password"),
        Rule(
            id: "credentials.hardcoded.option",
            expression: try! NSRegularExpression(pattern: #"(?:--password|--passwd|--pass)(?:=|\s+)["']?([^\s"']{3,})"#),
            secretGroup: 1, describe: "passes a fixed password on a command line"),
    ]

    static let textExtensions: Set<String> = [
        "sh", "conf", "cfg", "ini", "json", "xml", "lua", "js", "php", "cgi", "asp", "txt", "config", "rc", "env", "yaml", "yml",
    ]

    /// Init scripts and configuration: anything under /etc, web roots, and text files with a configuration or script
    /// extension, up to 1 MiB.
    static func applies(to file: FirmwareFile) -> Bool {
        guard file.content.count <= 1 << 20, !file.content.isEmpty else { return false }
        let ext = file.name.split(separator: ".").count > 1 ? String(file.name.split(separator: ".").last!).lowercased() : ""
        let located = file.path.hasPrefix("/etc/") || file.path.contains("/www/") || file.path.contains("/init.d/") || textExtensions.contains(ext)
        guard located else { return false }
        return !file.content.prefix(8192).contains(0)
    }

    static func scan(_ file: FirmwareFile) -> [FirmwareFinding] {
        var findings: [FirmwareFinding] = []
        let text = String(decoding: file.content, as: UTF8.self)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || trimmed.hasPrefix("//") || trimmed.hasPrefix(";") { continue }
            let range = NSRange(line.startIndex..., in: line)
            for rule in rules {
                guard let match = rule.expression.firstMatch(in: line, range: range),
                    let secretRange = Range(match.range(at: rule.secretGroup), in: line)
                else { continue }
                let secret = String(line[secretRange])
                guard isLiteral(secret) else { continue }
                findings.append(
                    FirmwareFinding(
                        rule: rule.id, severity: .high, title: "Hard-coded credential in \(file.name)", file: file.path, line: index + 1,
                        evidence:
                            "\(file.path) line \(index + 1) \(rule.describe): \(redact(line.trimmingCharacters(in: .whitespaces), secret: secret))",
                        provision: CredentialScanner.provision, source: file.provenance))
                break
            }
        }
        return findings
    }

    /// Whether a value is a fixed string rather than a variable, substitution, placeholder or path.
    static func isLiteral(_ value: String) -> Bool {
        guard let first = value.first else { return false }
        if "$%{<(`[@*".contains(first) || value.hasPrefix("/") { return false }
        if value.contains("$(") || value.contains("${") { return false }
        let lowered = value.lowercased()
        return !["none", "null", "nil", "true", "false", "yes", "no", "required", "optional", "xxx", "xxxx", "****", "******", "empty"].contains(
            lowered)
    }

    /// Keeps the first and last character of the secret so a report identifies it without spreading it whole.
    static func redact(_ line: String, secret: String) -> String {
        let shown =
            secret.count <= 4
            ? String(repeating: "*", count: secret.count) : "\(secret.first!)\(String(repeating: "*", count: secret.count - 2))\(secret.last!)"
        return String(line.replacingOccurrences(of: secret, with: shown).prefix(160))
    }
}
