import BulwarkCore
import Foundation
import Testing

@testable import BulwarkFirmware

@Suite struct CredentialTests {
    static func tree(_ files: [String: String]) -> FileTree {
        var tree = FileTree()
        for (path, text) in files {
            tree.add(FirmwareFile(path: path, kind: .file, mode: 0o644, content: Data(text.utf8), extractor: "tar", origin: ["fw.tar"]))
        }
        return tree
    }

    @Test func theBuiltInDictionaryHoldsEveryMiraiPair() throws {
        let text = try String(contentsOf: Workbench.sharedData.appendingPathComponent("credentials/mirai-default-credentials.tsv"), encoding: .utf8)
        let mirai = try CredentialDictionary.parse(text, file: "mirai-default-credentials.tsv", source: "mirai")
        #expect(mirai.entries.count == 62)
        let builtIn = Set(CredentialDictionary.builtIn.entries.map { "\($0.username)\t\($0.password)" })
        for entry in mirai.entries { #expect(builtIn.contains("\(entry.username)\t\(entry.password)"), "\(entry.username)/\(entry.password)") }
        #expect(CredentialDictionary.builtIn.entries.first { $0.password == "xc3511" }?.source == "mirai")
    }

    @Test func cracksDefaultPasswordsAndFindsEmptyOnesWithFileLineAndProvision() throws {
        let sha512 = try Workbench.text("openssl", ["passwd", "-6", "-salt", "Qw3rty", "xc3511"])
        let md5 = try Workbench.text("openssl", ["passwd", "-1", "-salt", "vendor", "admin"])
        let des = try Workbench.text("perl", ["-e", "print crypt('vizxv', 'Xy')"])
        let strong = try Workbench.text("openssl", ["passwd", "-6", "-salt", "r4nd0m", "k9#Lq!2vZ@8pWm"])
        let tree = Self.tree([
            "/etc/passwd": """
            root:x:0:0:root:/root:/bin/sh
            admin:x:1000:1000::/home/admin:/bin/sh
            guest:x:1001:1001::/tmp:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            svc:x:1002:1002::/var/svc:/bin/sh
            toor:x:0:0::/root:/bin/sh
            olduser:\(des):1003:1003::/:/bin/sh
            """,
            "/etc/shadow": """
            root:\(sha512):19000:0:99999:7:::
            admin:\(md5):19000:0:99999:7:::
            guest::19000:0:99999:7:::
            daemon:*:19000:0:99999:7:::
            svc:\(strong):19000:0:99999:7:::
            toor:!:19000:0:99999:7:::
            """,
        ])
        let result = CredentialScanner().scan(tree)
        #expect(result.accounts.count == 13)
        let byRule = Dictionary(grouping: result.findings, by: \.rule)
        let defaults = try #require(byRule["credentials.default-password"])
        #expect(defaults.map(\.location).sorted() == ["/etc/passwd:7", "/etc/shadow:1", "/etc/shadow:2"])
        let root = try #require(defaults.first { $0.location == "/etc/shadow:1" })
        #expect(root.evidence == "root in /etc/shadow line 1: sha512-crypt hash matches password \"xc3511\" from the mirai list")
        #expect(root.severity == .critical)
        #expect(defaults.first { $0.location == "/etc/passwd:7" }?.evidence.contains("des-crypt hash matches password \"vizxv\"") == true)
        let empty = try #require(byRule["credentials.empty-password"])
        #expect(empty.map(\.location) == ["/etc/shadow:3"])
        #expect(empty.first?.severity == .critical)
        #expect(byRule["credentials.uid0-account"]?.map(\.location) == ["/etc/passwd:6"])
        #expect(result.findings.allSatisfy { $0.provision == "5.1-1" || $0.rule == "credentials.weak-hash" })
        #expect(
            !result.findings.contains { $0.evidence.contains("svc") || $0.evidence.contains("daemon") }, "no false hits on strong or locked accounts")
        #expect(result.findings.allSatisfy { $0.source == "fw.tar > tar" })
    }

    @Test func findsHardCodedCredentialsInScriptsAndConfigurationButNotVariables() throws {
        let tree = Self.tree([
            "/etc/init.d/S50setup": """
            #!/bin/sh
            # password=commented-out-should-not-count
            echo "root:Factory2024" | chpasswd
            PASSWORD="$1"
            password_file=/etc/secret
            read -s password
            wget http://admin:s3cr3tpass@update.vendor.example/fw.bin
            """,
            "/etc/config/wireless.conf": "ssid=HomeNet\nwpa_passphrase=Sunshine99\npsk=\napi_key=${API_KEY}\n",
            "/www/js/app.js": "var config = { password: \"hunter22\" };\n",
            "/usr/share/doc/README": "password=ignored-outside-configuration-areas\n",
            "/etc/httpd.conf": "A:*\n/cgi-bin:admin:admin\n/adm:root:$1$abc$abcdefghijklmnopqrstuv\n",
        ])
        let findings = CredentialScanner().scan(tree).findings
        #expect(
            findings.map { "\($0.rule) \($0.location)" }.sorted() == [
                "credentials.hardcoded.assignment /etc/config/wireless.conf:2",
                "credentials.hardcoded.assignment /www/js/app.js:1",
                "credentials.hardcoded.chpasswd /etc/init.d/S50setup:3",
                "credentials.hardcoded.url /etc/init.d/S50setup:7",
                "credentials.httpd-password /etc/httpd.conf:2",
                "credentials.httpd-password /etc/httpd.conf:3",
            ])
        let chpasswd = try #require(findings.first { $0.rule == "credentials.hardcoded.chpasswd" })
        #expect(chpasswd.evidence == "/etc/init.d/S50setup line 3 sets a fixed password through chpasswd: echo \"root:F*********4\" | chpasswd")
        #expect(findings.allSatisfy { $0.provision == "5.1-1" })
        #expect(findings.first { $0.location == "/etc/httpd.conf:2" }?.severity == .high)
        #expect(findings.first { $0.location == "/etc/httpd.conf:3" }?.severity == .medium)
    }

    @Test func ignoresTheProgramsAndMalformedLinesThatShareAccountFileNames() {
        var tree = Self.tree(["/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nOptions::\nbroken line without fields\nuser::notanumber:1::/:/bin/sh\n"])
        tree.add(
            FirmwareFile(
                path: "/usr/bin/passwd", kind: .file, mode: 0o4755, content: elf(["Options:", "  -a, --all", "root::0:0"]), extractor: "tar",
                origin: []))
        let result = CredentialScanner().scan(tree)
        #expect(result.accounts.map(\.username) == ["root"])
        #expect(result.findings.isEmpty)
    }

    @Test func reportsPlainTextPasswordsInWebServerUserFiles() {
        let tree = Self.tree(["/etc/lighttpd.user": "admin:admin123\n"])
        let findings = CredentialScanner().scan(tree).findings
        #expect(findings.map(\.rule).sorted() == ["credentials.plaintext-password"])
        #expect(findings.first?.location == "/etc/lighttpd.user:1")
    }
}
