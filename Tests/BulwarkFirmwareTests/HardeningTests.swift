import BulwarkCore
import Foundation
import Testing

@testable import BulwarkFirmware

@Suite struct HardeningTests {
    static func file(_ path: String, _ text: String, mode: UInt32 = 0o644) -> FirmwareFile {
        FirmwareFile(path: path, kind: .file, mode: mode, content: Data(text.utf8), extractor: "cpio-newc", origin: ["initramfs"])
    }

    static func tree(_ files: [FirmwareFile]) -> FileTree {
        var tree = FileTree()
        tree.add(FirmwareFile(path: "/etc", kind: .directory, mode: 0o755, extractor: "cpio-newc", origin: []))
        for file in files { tree.add(file) }
        return tree
    }

    @Test func findsTelnetFTPAndDebugShellsWithLines() {
        let tree = Self.tree([
            Self.file(
                "/etc/init.d/rcS", "#!/bin/sh\n# telnetd -l /bin/sh   (disabled)\nmount -a\n/usr/sbin/telnetd -l /bin/sh -p 23 &\n", mode: 0o755),
            Self.file("/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:-/bin/sh\n::ctrlaltdel:/sbin/reboot\n"),
            Self.file(
                "/etc/inetd.conf", "#telnet stream tcp nowait root /usr/sbin/telnetd telnetd\nftp stream tcp nowait root /usr/sbin/ftpd ftpd -w\n"),
            Self.file("/etc/init.d/S99debug", "#!/bin/sh\nnc -l -p 4444 -e /bin/sh &\n", mode: 0o755),
        ])
        let findings = HardeningScanner().scan(tree).findings
        let located = findings.filter { $0.file != nil }.map { "\($0.rule) \($0.location)" }.sorted()
        #expect(
            located == [
                "debug.console-shell /etc/inittab:2",
                "debug.shell-service /etc/init.d/S99debug:2",
                "services.ftp /etc/inetd.conf:2",
                "services.telnet-without-login /etc/init.d/rcS:4",
            ])
        #expect(findings.first { $0.rule == "services.telnet-without-login" }?.severity == .critical)
        #expect(findings.first { $0.rule == "debug.console-shell" }?.provision == "5.6-4")
    }

    @Test func raisesNothingForACleanStartupAndAnUpdater() {
        let tree = Self.tree([
            Self.file(
                "/etc/init.d/rcS", "#!/bin/sh\n# start telnetd only in the factory\n[ -f /tmp/factory ] && echo skip\ndropbear -s -g\n", mode: 0o755),
            Self.file("/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::askfirst:/bin/login\n"),
            Self.file("/sbin/sysupgrade", "#!/bin/sh\n", mode: 0o755),
            Self.file("/etc/banner", "telnetd ftpd are not started here\n"),
        ])
        let result = HardeningScanner().scan(tree)
        #expect(result.findings.isEmpty)
        #expect(result.updateMechanism == ["/sbin/sysupgrade"])
    }

    @Test func flagsWorldWritableFilesSetUIDBinariesAndAMissingUpdater() {
        var tree = Self.tree([
            Self.file("/etc/config/network", "x\n", mode: 0o666),
            Self.file("/usr/bin/helper", "x\n", mode: 0o4755),
            Self.file("/bin/su", "x\n", mode: 0o4755),
            Self.file("/bin/busybox", "BusyBox v1.36.1\n", mode: 0o4755),
        ])
        tree.add(FirmwareFile(path: "/var/shared", kind: .directory, mode: 0o777, extractor: "cpio-newc", origin: []))
        tree.add(FirmwareFile(path: "/tmp", kind: .directory, mode: 0o1777, extractor: "cpio-newc", origin: []))
        let findings = HardeningScanner().scan(tree).findings
        #expect(
            findings.map { "\($0.rule) \($0.location) \($0.severity.rawValue)" }.sorted() == [
                "files.setuid /bin/busybox high",
                "files.setuid /bin/su info",
                "files.setuid /usr/bin/helper medium",
                "files.world-writable /etc/config/network medium",
                "files.world-writable-directory /var/shared low",
                "update.none image high",
            ])
    }

    @Test func measuresEntropyAndRecognisesSignatures() {
        let random = seeded(3, 1 << 20)
        let encrypted = ImageIntegrity.examine(random, unpackedFiles: 1, containersFound: false)
        #expect(encrypted.looksEncrypted)
        #expect(encrypted.entropy > 7.99)
        let text = Data(String(repeating: "plain firmware text ", count: 50_000).utf8)
        let plain = ImageIntegrity.examine(text, unpackedFiles: 1, containersFound: false)
        #expect(!plain.looksEncrypted)
        #expect(plain.entropy < 4.5)
        var signed = text
        signed.append(Data([0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]))
        #expect(ImageIntegrity.examine(signed, unpackedFiles: 1, containersFound: false).signatures == ["CMS/PKCS #7 signed data"])
        #expect(plain.signatures.isEmpty)
    }
}

/// Detached image signatures made with OpenSSL, verified with the public key.
@Suite struct SignatureVerificationTests {
    static func sign(_ bench: Workbench, key: [String], digest: String?) throws -> (image: Data, signature: Data, publicKey: String) {
        let image = seeded(11, 50_000)
        try bench.write("image.bin", image)
        try bench.run("openssl", key + ["-out", "key.pem"])
        try bench.run("openssl", ["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"])
        if let digest {
            try bench.run("openssl", ["dgst", "-\(digest)", "-sign", "key.pem", "-out", "image.sig", "image.bin"])
        } else {
            try bench.run("openssl", ["pkeyutl", "-sign", "-rawin", "-inkey", "key.pem", "-in", "image.bin", "-out", "image.sig"])
        }
        return (
            image, try Data(contentsOf: URL(fileURLWithPath: bench.path("image.sig"))),
            try String(contentsOfFile: bench.path("pub.pem"), encoding: .utf8)
        )
    }

    @Test(arguments: [
        (["genpkey", "-algorithm", "ed25519"], nil, "Ed25519", nil),
        (["ecparam", "-name", "prime256v1", "-genkey", "-noout"], "sha256", "ECDSA P-256", "SHA-256"),
        (["ecparam", "-name", "secp384r1", "-genkey", "-noout"], "sha384", "ECDSA P-384", "SHA-384"),
        (["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "sha256", "RSA 2048", "SHA-256"),
        (["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"], "sha512", "RSA 3072", "SHA-512"),
    ] as [([String], String?, String, String?)])
    func verifiesGenuineSignaturesAndRejectsAlteredImages(key: [String], digest: String?, algorithm: String, expectedDigest: String?) throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let signed = try Self.sign(bench, key: key, digest: digest)
        let genuine = try SignatureVerifier.verify(image: signed.image, signature: signed.signature, publicKeyPEM: signed.publicKey, keyFile: "pub.pem")
        #expect(genuine == .init(algorithm: algorithm, digest: expectedDigest, valid: true))
        var altered = signed.image
        altered[100] ^= 0x01
        #expect(try SignatureVerifier.verify(image: altered, signature: signed.signature, publicKeyPEM: signed.publicKey, keyFile: "pub.pem").valid == false)
    }

    @Test func reportsAnInvalidSignatureAsACriticalFindingAndRefusesNonKeys() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let signed = try Self.sign(bench, key: ["ecparam", "-name", "prime256v1", "-genkey", "-noout"], digest: "sha256")
        let analyzer = FirmwareAnalyzer()
        let check = FirmwareAnalyzer.SignatureCheck(signature: signed.signature, publicKeyPEM: signed.publicKey, keyFile: "pub.pem")
        let good = try analyzer.analyze(path: bench.path("image.bin"), now: Date(), signature: check)
        #expect(good.integrity.isSigned)
        #expect(!good.findings.contains { $0.rule.hasPrefix("image.") })
        var tampered = signed.image
        tampered[0] ^= 0xff
        try bench.write("image.bin", tampered)
        let bad = try analyzer.analyze(path: bench.path("image.bin"), now: Date(), signature: check)
        #expect(bad.findings.filter { $0.rule.hasPrefix("image.") }.map(\.rule) == ["image.signature-invalid"])
        #expect(bad.findings.first?.severity == .critical)
        let policy = ReleasePolicy(fail: .init(unsignedImage: true))
        #expect(policy.evaluate(good).passed)
        #expect(policy.evaluate(bad).violations.map(\.rule) == ["image.signature-invalid"])
        #expect(throws: FirmwareError.self) {
            try SignatureVerifier.verify(image: Data(), signature: Data(), publicKeyPEM: "not a key", keyFile: "junk.pem")
        }
    }
}
