import BulwarkCore
import Foundation

/// Finds passwords an attacker can use: accounts without a password, hashes that crack against the default-credential
/// dictionary, and passwords written into scripts and configuration. ETSI EN 303 645 provision 5.1-1: no universal
/// default passwords.
public struct CredentialScanner: Sendable {
    public var dictionary: CredentialDictionary
    static let provision = "5.1-1"

    public init(dictionary: CredentialDictionary = .builtIn) {
        self.dictionary = dictionary
    }

    /// One account as read from a passwd-format or shadow-format file.
    public struct Account: Hashable, Sendable, Codable {
        public var username: String
        public var file: String
        public var line: Int
        public var uid: Int?
        public var shell: String?
        /// The password field as stored: empty, locked (`*`, `!`), a hash, or `x` for "see shadow".
        public var passwordField: String
    }

    public func scan(_ tree: FileTree) -> (accounts: [Account], findings: [FirmwareFinding]) {
        var accounts: [Account] = []
        var findings: [FirmwareFinding] = []
        let passwdFiles = tree.regularFiles.filter { Self.isAccountFile($0) }
        var shells: [String: String] = [:]
        for file in passwdFiles where file.name.hasPrefix("passwd") {
            for account in Self.accounts(in: file) {
                if let shell = account.shell { shells[account.username] = shell }
            }
        }
        for file in passwdFiles {
            for var account in Self.accounts(in: file) {
                if account.shell == nil { account.shell = shells[account.username] }
                accounts.append(account)
                findings += check(account, in: file)
            }
        }
        for file in tree.regularFiles where Self.isHTTPDConfig(file) { findings += Self.httpdCredentials(in: file) }
        for file in tree.regularFiles where !Self.isAccountFile(file) && HardcodedCredentialRules.applies(to: file) {
            findings += HardcodedCredentialRules.scan(file)
        }
        return (accounts, findings)
    }

    private static func isAccountFile(_ file: FirmwareFile) -> Bool {
        ["passwd", "passwd-", "shadow", "shadow-", "passwd.orig", "shadow.orig", ".htpasswd", "htpasswd", "lighttpd.user", "lighttpd.htpasswd"]
            .contains(file.name)
            || file.name.hasSuffix(".passwd")
    }

    private static func isHTTPDConfig(_ file: FirmwareFile) -> Bool { file.name == "httpd.conf" || file.name == "httpd.conf.default" }

    /// Reads `name:password[:uid:gid:gecos:home:shell]` or shadow's `name:hash:lastchange:…` lines. Files that are not
    /// text (the `passwd` program itself is also called passwd) and lines that do not have the format's shape are skipped.
    static func accounts(in file: FirmwareFile) -> [Account] {
        guard !file.content.prefix(8192).contains(0) else { return [] }
        let shadowFormat = file.name.hasPrefix("shadow")
        let passwdName = file.name.hasPrefix("passwd")
        var accounts: [Account] = []
        for (index, line) in String(decoding: file.content, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.hasPrefix("#"), !line.hasPrefix("+"), !line.hasPrefix("-") else { continue }
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2, isUsername(fields[0]) else { continue }
            // passwd(5): seven fields with numeric ids; shadow(5): nine fields, the third a day count or empty.
            if passwdName && (fields.count < 7 || Int(fields[2]) == nil || Int(fields[3]) == nil) { continue }
            if shadowFormat && (fields.count < 8 || !(fields[2].isEmpty || Int(fields[2]) != nil)) { continue }
            let passwdFormat = !shadowFormat && fields.count >= 7
            accounts.append(
                Account(
                    username: fields[0], file: file.path, line: index + 1, uid: passwdFormat ? Int(fields[2]) : nil,
                    shell: passwdFormat ? fields[6].trimmingCharacters(in: .whitespaces) : nil,
                    passwordField: fields[1].trimmingCharacters(in: .whitespaces)))
        }
        return accounts
    }

    /// Login names as shadow-utils and BusyBox accept them: letters, digits, `_`, `.`, `-`, a trailing `$` for machine accounts.
    static func isUsername(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 64, first != "-" else { return false }
        let body = name.hasSuffix("$") ? name.dropLast() : Substring(name)
        return !body.isEmpty
            && body.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "_.-".unicodeScalars.contains($0)
            }
    }

    private func check(_ account: Account, in file: FirmwareFile) -> [FirmwareFinding] {
        var findings: [FirmwareFinding] = []
        let where_ = "\(account.username) in \(file.path) line \(account.line)"
        let interactive = !(account.shell.map { $0.hasSuffix("nologin") || $0.hasSuffix("false") } ?? false)
        if let uid = account.uid, uid == 0, account.username != "root" {
            findings.append(
                FirmwareFinding(
                    rule: "credentials.uid0-account", severity: .medium, title: "Account \(account.username) has user id 0 (root powers)",
                    file: file.path,
                    line: account.line, evidence: "\(where_) has uid 0", provision: Self.provision, source: file.provenance))
        }
        let field = account.passwordField
        if field.isEmpty {
            findings.append(
                FirmwareFinding(
                    rule: "credentials.empty-password", severity: interactive ? .critical : .medium,
                    title: "Account \(account.username) has no password", file: file.path, line: account.line,
                    evidence: "\(where_): the password field is empty, so anyone may log in as \(account.username)"
                        + (account.shell.map { " (shell \($0))" } ?? ""),
                    provision: Self.provision, source: file.provenance))
            return findings
        }
        guard let hash = PasswordHash(field: field) else {
            // Plain text where a hash belongs: htpasswd-style files written by hand, or vendor files storing passwords as is.
            if !file.name.hasPrefix("passwd") && !file.name.hasPrefix("shadow") && !["*", "!", "!!", "x"].contains(field) && !field.hasPrefix("!") {
                findings.append(
                    FirmwareFinding(
                        rule: "credentials.plaintext-password", severity: .high, title: "Password for \(account.username) stored in plain text",
                        file: file.path, line: account.line, evidence: "\(where_): password \"\(field)\" is not hashed", provision: Self.provision,
                        source: file.provenance))
            }
            return findings
        }
        for candidate in dictionary.candidates(for: account.username) where hash.matches(candidate.password) {
            findings.append(
                FirmwareFinding(
                    rule: "credentials.default-password", severity: interactive ? .critical : .high,
                    title: "Account \(account.username) uses a known default password", file: file.path, line: account.line,
                    evidence: "\(where_): \(hash.scheme) hash matches password \"\(candidate.password)\" from the \(candidate.source) list",
                    provision: Self.provision, source: file.provenance))
            return findings
        }
        if case .des = hash {
            findings.append(
                FirmwareFinding(
                    rule: "credentials.weak-hash", severity: .medium, title: "Password of \(account.username) uses DES crypt",
                    file: file.path, line: account.line,
                    evidence: "\(where_): DES crypt keeps only 8 characters and 12 bits of salt; use SHA-512 crypt or yescrypt",
                    provision: "5.4-1", source: file.provenance))
        }
        return findings
    }

    /// BusyBox httpd.conf: `[/path]:user:password` lines protect a path with a plain or crypt(3) password.
    static func httpdCredentials(in file: FirmwareFile) -> [FirmwareFinding] {
        var findings: [FirmwareFinding] = []
        for (index, line) in String(decoding: file.content, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.first == "/" else { continue }
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, !fields[1].isEmpty, !fields[2].isEmpty else { continue }
            let hashed = fields[2].hasPrefix("$") || PasswordHash(field: fields[2]) != nil
            findings.append(
                FirmwareFinding(
                    rule: "credentials.httpd-password", severity: hashed ? .medium : .high,
                    title: "Web server path \(fields[0]) is protected by a built-in password", file: file.path, line: index + 1,
                    evidence: "\(file.path) line \(index + 1): user \(fields[1]) with "
                        + (hashed ? "a hashed password" : "password \"\(fields[2])\""),
                    provision: provision, source: file.provenance))
        }
        return findings
    }
}
