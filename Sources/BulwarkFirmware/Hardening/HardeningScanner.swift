import BulwarkCore
import Foundation

/// Services, debug access, file permissions and update capability: what a device exposes and how it can be fixed.
public struct HardeningScanner: Sendable {
    /// Programs that install updates, by file name (OpenWrt, SWUpdate, RAUC, Mender, U-Boot environment tools).
    static let updaters: Set<String> = [
        "sysupgrade", "fwupdate", "fw_update", "swupdate", "rauc", "mender", "mender-update", "fwupgrade", "firmware_upgrade", "upgrade_firmware",
        "opkg", "apk", "fw_setenv", "ota_update", "hawkbit-client",
    ]
    /// Set-user-ID programs expected on a Linux system; others deserve a look.
    static let usualSetUID: Set<String> = [
        "su", "passwd", "sudo", "ping", "ping6", "mount", "umount", "newgrp", "chsh", "chfn", "gpasswd", "traceroute",
    ]

    public init() {}

    public struct Result: Sendable {
        public var findings: [FirmwareFinding]
        /// Files that show an update mechanism.
        public var updateMechanism: [String]
    }

    public func scan(_ tree: FileTree) -> Result {
        var findings: [FirmwareFinding] = []
        for file in tree.regularFiles where Self.isStartupFile(file) {
            findings += ServiceRules.scan(file)
        }
        for file in tree.sortedFiles {
            switch file.kind {
            case .file where file.isWorldWritable:
                findings.append(
                    FirmwareFinding(
                        rule: "files.world-writable", severity: file.isExecutable ? .high : .medium, title: "World-writable file", file: file.path,
                        evidence: "\(file.path) has mode \(String(file.mode, radix: 8)); any local process can change it"
                            + (file.isExecutable ? " and it is executable" : ""),
                        provision: "5.6-7", source: file.provenance))
            case .directory where file.isWorldWritable && file.mode & 0o1000 == 0:
                findings.append(
                    FirmwareFinding(
                        rule: "files.world-writable-directory", severity: .low, title: "World-writable directory without the sticky bit",
                        file: file.path, evidence: "\(file.path) has mode \(String(file.mode, radix: 8))", provision: "5.6-7", source: file.provenance
                    ))
            default: break
            }
            if file.kind == .file, file.isSetUID || file.isSetGID {
                let busybox = file.name == "busybox" || ComponentScanner.occurrences(of: Data("BusyBox v".utf8), in: file.content, limit: 1).count > 0
                let usual = Self.usualSetUID.contains(file.name)
                findings.append(
                    FirmwareFinding(
                        rule: "files.setuid", severity: busybox ? .high : usual ? .info : .medium,
                        title: busybox ? "BusyBox is set-user-ID: every applet runs with its owner's rights" : "Set-user-ID program", file: file.path,
                        evidence: "\(file.path) mode \(String(file.mode, radix: 8)), owner uid \(file.uid)", provision: "5.6-7",
                        source: file.provenance))
            }
        }
        let update = tree.sortedFiles.filter { ($0.kind == .file || $0.kind == .symlink) && Self.updaters.contains($0.name) }.map(\.path)
        if update.isEmpty, tree.files.values.contains(where: { $0.kind == .directory && ($0.path == "/etc" || $0.path == "/bin") }) {
            findings.append(
                FirmwareFinding(
                    rule: "update.none", severity: .high, title: "No software update mechanism found", file: nil,
                    evidence: "none of \(Self.updaters.sorted().joined(separator: ", ")) is present in the root file system",
                    provision: "5.3-2"))
        }
        return Result(findings: findings, updateMechanism: update)
    }

    static func isStartupFile(_ file: FirmwareFile) -> Bool {
        let path = file.path
        return path.hasPrefix("/etc/init.d/") || path.hasPrefix("/etc/rc") || path == "/etc/inittab" || path == "/etc/inetd.conf"
            || path.hasPrefix("/etc/xinetd.d/") || path.hasPrefix("/etc/systemd/system/") || path.hasPrefix("/lib/systemd/system/")
            || path == "/etc/profile" || path.hasPrefix("/etc/init/")
    }
}

/// Lines in start-up files that enable an unencrypted service or an unauthenticated shell.
enum ServiceRules {
    struct Rule {
        let id: String
        let severity: Severity
        let title: String
        let provision: String
        let applies: @Sendable (String, String) -> Bool
    }

    static func words(_ line: String) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "&" || $0 == ";" || $0 == "|" })
    }

    static func invokes(_ line: String, _ programs: Set<String>) -> Bool {
        words(line).contains { word in programs.contains(String(word.split(separator: "/").last ?? word)) }
    }

    static let rules: [Rule] = [
        Rule(
            id: "services.telnet-without-login", severity: .critical, title: "Telnet gives a shell without a password", provision: "5.5-4",
            applies: { line, _ in
                invokes(line, ["telnetd", "utelnetd"]) && line.range(of: #"-l\s*/bin/(ba)?sh\b"#, options: .regularExpression) != nil
            }),
        Rule(
            id: "services.telnet", severity: .high, title: "Telnet server enabled", provision: "5.5-1",
            applies: { line, path in
                if path.hasSuffix("inetd.conf") { return line.hasPrefix("telnet") }
                if path.contains("xinetd.d") {
                    return path.hasSuffix("telnet") && line.range(of: #"disable\s*=\s*no"#, options: .regularExpression) != nil
                }
                return invokes(line, ["telnetd", "utelnetd", "in.telnetd"])
            }),
        Rule(
            id: "services.ftp", severity: .medium, title: "FTP or TFTP server enabled", provision: "5.5-1",
            applies: { line, path in
                if path.hasSuffix("inetd.conf") { return line.hasPrefix("ftp") || line.hasPrefix("tftp") }
                return invokes(line, ["ftpd", "vsftpd", "proftpd", "pure-ftpd", "tftpd", "in.ftpd", "in.tftpd", "bftpd"])
            }),
        Rule(
            id: "debug.console-shell", severity: .high, title: "Serial console opens a shell without login", provision: "5.6-4",
            applies: { line, path in
                guard path == "/etc/inittab" else { return false }
                let fields = line.split(separator: ":", omittingEmptySubsequences: false)
                guard fields.count >= 4, ["respawn", "askfirst", "once", "wait"].contains(String(fields[2])) else { return false }
                let command = fields[3...].joined(separator: ":")
                return command.range(of: #"^-?/bin/(ba|a)?sh\b"#, options: .regularExpression) != nil
                    || (command.contains("getty") && command.range(of: #"-n\b.*-l\s*/bin/(ba|a)?sh"#, options: .regularExpression) != nil)
            }),
        Rule(
            id: "debug.shell-service", severity: .critical, title: "Network shell without authentication", provision: "5.5-4",
            applies: { line, _ in
                line.range(of: #"\b(nc|netcat|busybox nc|socat)\b.*(-e\s*/bin/(ba)?sh|-l.*-e|EXEC:/bin/(ba)?sh)"#, options: .regularExpression) != nil
            }),
    ]

    static func scan(_ file: FirmwareFile) -> [FirmwareFinding] {
        guard !file.content.prefix(4096).contains(0) else { return [] }
        var findings: [FirmwareFinding] = []
        var reported = Set<String>()
        for (index, raw) in String(decoding: file.content, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            for rule in rules where rule.applies(line, file.path) {
                // One finding per rule and file; the more specific telnet rule replaces the general one.
                if rule.id == "services.telnet", reported.contains("services.telnet-without-login") { break }
                guard reported.insert(rule.id).inserted else { break }
                findings.append(
                    FirmwareFinding(
                        rule: rule.id, severity: rule.severity, title: rule.title, file: file.path, line: index + 1,
                        evidence: "\(file.path) line \(index + 1): \(line.prefix(160))", provision: rule.provision, source: file.provenance))
                break
            }
        }
        return findings
    }
}
