import BulwarkCore
import Foundation
import Testing

@testable import BulwarkFirmware

@Suite struct KeyTests {
    static func tree(_ bench: Workbench, _ files: [String: String]) throws -> FileTree {
        var tree = FileTree()
        for (path, source) in files {
            let content = try Data(contentsOf: URL(fileURLWithPath: bench.path(source)))
            tree.add(FirmwareFile(path: path, kind: .file, mode: 0o600, content: content, extractor: "unsquashfs", origin: ["fw.bin", "squashfs"]))
        }
        return tree
    }

    @Test func findsPEMDERAndOpenSSHPrivateKeysWithTheirSizes() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.run("openssl", ["genrsa", "-out", "rsa1024.pem", "1024"])
        try bench.run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", "ed25519.pem"])
        try bench.run("openssl", ["genrsa", "-traditional", "-out", "rsa2048.pem", "2048"])
        try bench.run("openssl", ["rsa", "-in", "rsa2048.pem", "-outform", "DER", "-traditional", "-out", "rsa2048.key"])
        try bench.run("openssl", ["genrsa", "-aes256", "-passout", "pass:secret", "-out", "protected.pem", "2048"])
        try bench.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", bench.path("id_ed25519")])
        try bench.run("openssl", ["rsa", "-in", "rsa2048.pem", "-pubout", "-out", "public.pem"])
        let tree = try Self.tree(
            bench,
            [
                "/etc/ssl/private/device.pem": "rsa1024.pem", "/etc/keys/signing.pem": "ed25519.pem", "/etc/keys/rsa.key": "rsa2048.key",
                "/etc/keys/protected.pem": "protected.pem", "/etc/dropbear/id_ed25519": "id_ed25519", "/etc/keys/public.pem": "public.pem",
            ])
        let result = KeyScanner().scan(tree, now: Date(timeIntervalSince1970: 1_800_000_000))
        let keys = Dictionary(uniqueKeysWithValues: result.keys.map { ($0.file, $0) })
        #expect(keys.count == 5, "the public key is not a finding")
        #expect(keys["/etc/ssl/private/device.pem"]?.algorithm == "RSA")
        #expect(keys["/etc/ssl/private/device.pem"]?.bits == 1024)
        #expect(keys["/etc/keys/signing.pem"]?.algorithm == "Ed25519")
        #expect(keys["/etc/keys/rsa.key"]?.encoding == "der")
        #expect(keys["/etc/keys/rsa.key"]?.bits == 2048)
        #expect(keys["/etc/keys/protected.pem"]?.encrypted == true)
        #expect(keys["/etc/dropbear/id_ed25519"]?.encoding == "openssh")
        #expect(keys["/etc/dropbear/id_ed25519"]?.algorithm == "Ed25519")
        // ssh-keygen -l prints the same SHA-256 of the public key blob, in base64.
        let printed = try Workbench.text("ssh-keygen", ["-l", "-E", "sha256", "-f", bench.path("id_ed25519")])
        let base64 = try #require(printed.split(separator: " ").dropFirst().first).dropFirst("SHA256:".count)
        let hex = try #require(keys["/etc/dropbear/id_ed25519"]?.fingerprint)
        let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
        #expect(Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "") == String(base64))
        #expect(result.findings.filter { $0.rule == "keys.private-key" }.count == 4)
        #expect(result.findings.filter { $0.rule == "keys.private-key-encrypted" }.map(\.location) == ["/etc/keys/protected.pem"])
        #expect(result.findings.filter { $0.rule == "keys.weak" }.map(\.location) == ["/etc/ssl/private/device.pem"])
        #expect(result.findings.allSatisfy { $0.rule == "keys.weak" || $0.provision == "5.4-3" })
    }

    @Test func judgesCertificatesForExpiryKeySizeAndSignature() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.run(
            "openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "good.pem", "-days", "3650", "-subj", "/CN=device.example"])
        try bench.run(
            "openssl",
            ["req", "-x509", "-newkey", "rsa:1024", "-sha1", "-nodes", "-keyout", "k2.pem", "-out", "old.pem", "-days", "1", "-subj", "/CN=legacy"])
        try bench.run("openssl", ["x509", "-in", "good.pem", "-outform", "DER", "-out", "good.der"])
        let tree = try Self.tree(
            bench, ["/etc/ssl/certs/good.pem": "good.pem", "/etc/ssl/certs/old.pem": "old.pem", "/etc/ssl/certs/good.crt": "good.der"])
        let now = Date().addingTimeInterval(3 * 86_400)
        let result = KeyScanner().scan(tree, now: now)
        #expect(result.keys.count == 3)
        let good = try #require(result.keys.first { $0.file == "/etc/ssl/certs/good.pem" })
        #expect(good.subject == "CN=device.example")
        #expect(good.bits == 2048)
        #expect(good.signatureAlgorithm == "sha256WithRSAEncryption")
        #expect(result.keys.first { $0.file == "/etc/ssl/certs/good.crt" }?.fingerprint == good.fingerprint, "PEM and DER of one certificate agree")
        let old = result.findings.filter { $0.location == "/etc/ssl/certs/old.pem" }.map(\.rule).sorted()
        #expect(old == ["keys.certificate-expired", "keys.weak", "keys.weak"])
        #expect(!result.findings.contains { $0.location.hasPrefix("/etc/ssl/certs/good") })
    }

    @Test func theReuseIndexNamesKeysSharedBetweenReleases() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.run("openssl", ["genrsa", "-out", "shared.pem", "2048"])
        try bench.run("openssl", ["genrsa", "-out", "own.pem", "2048"])
        let first = KeyScanner().scan(try Self.tree(bench, ["/etc/server.pem": "shared.pem"]), now: Date()).keys
        let second = KeyScanner().scan(try Self.tree(bench, ["/etc/ssl/server.pem": "shared.pem", "/etc/own.pem": "own.pem"]), now: Date()).keys
        var index = KeyReuseIndex()
        index.add(first, in: "LC-200 2.1.0")
        index.add(second, in: "LC-300 1.0.0")
        #expect(index.reused.count == 1)
        #expect(index.reused.first?.images == ["LC-200 2.1.0", "LC-300 1.0.0"])
        #expect(index.reused.first?.key.fingerprint == first.first?.fingerprint)
    }
}
