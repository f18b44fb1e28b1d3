import BulwarkCore
import Foundation
import Testing

@testable import BulwarkFirmware

/// The crypt(3) schemes against hashes made by independent implementations: OpenSSL's `passwd`, whois's `mkpasswd`
/// and Perl's `crypt` (glibc/libxcrypt).
@Suite struct CryptTests {
    static let passwords = ["xc3511", "admin", "", "a much longer passphrase that exceeds sixteen and thirty-two bytes for sure!", "päss"]

    @Test func desCryptMatchesThePublishedVectorAndLibcrypt() throws {
        #expect(PasswordHash.crypt("test", setting: "aa") == "aaqPiZY5xR5l.")
        for (password, salt) in [("vizxv", "ab"), ("12345678", "Zz"), ("password-longer-than-8", "./"), ("root", "9q")] {
            let expected = try Workbench.text("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, salt])
            #expect(PasswordHash.crypt(password, setting: salt) == expected, "DES crypt of \(password) with salt \(salt)")
            #expect(PasswordHash(field: expected)?.matches(password) == true)
            #expect(PasswordHash(field: expected)?.matches(password + "x") == (password.count >= 8), "DES reads only eight characters")
        }
    }

    @Test(arguments: ["-1", "-5", "-6"])
    func md5AndSHACryptMatchOpenSSL(flag: String) throws {
        // OpenSSL 3.0 prints "<NULL>" for an empty password with -5 and -6, so the empty one is checked with -1 only.
        for (index, password) in Self.passwords.enumerated() where !(password.isEmpty && flag != "-1") {
            let salt = ["saltsalt", "x", "abcdefghijklmnopqrstu", "A./9", "s4lt"][index]
            let expected = try Workbench.text("openssl", ["passwd", flag, "-salt", salt, password])
            let hash = try #require(PasswordHash(field: expected))
            #expect(hash.matches(password), "\(flag) \(password.debugDescription) salt \(salt): \(expected)")
            #expect(!hash.matches(password + "1"))
        }
    }

    @Test func shaCryptHonoursExplicitRoundsLikeMkpasswd() throws {
        for (method, rounds) in [("sha-512", "1000"), ("sha-256", "12345"), ("sha-512", "5000")] {
            let expected = try Workbench.text("mkpasswd", ["-m", method, "-R", rounds, "root", "roundsalt1234567"])
            #expect(expected.contains("rounds=\(rounds)$"))
            #expect(PasswordHash(field: expected)?.matches("root") == true, "\(expected)")
        }
    }

    @Test func skipsSHACryptHashesThatAskForAbsurdRoundCounts() {
        let hostile = PasswordHash(field: "$6$rounds=999999999$salt$Zm9vYmFy")
        #expect(hostile?.scheme == "sha512-crypt")
        #expect(hostile?.matches("root") == false)
        #expect(PasswordHash.rounds(of: "$5$rounds=4000$s$h") == 4000)
        #expect(PasswordHash.rounds(of: "$5$s$h") == 5000)
    }

    @Test func recognisesSchemesAndRefusesLockedFields() {
        #expect(PasswordHash(field: "$1$abc$def")?.scheme == "md5-crypt")
        #expect(PasswordHash(field: "$2b$10$abcdefghijklmnopqrstuu")?.scheme == "unsupported ($2b$)")
        #expect(PasswordHash(field: "$y$j9T$abc$def")?.matches("anything") == false)
        for locked in ["*", "!", "!!", "x", "", "!$6$abc$def"] { #expect(PasswordHash(field: locked) == nil, "\(locked)") }
    }
}
