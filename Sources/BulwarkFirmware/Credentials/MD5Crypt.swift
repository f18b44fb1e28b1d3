internal import Crypto

/// The `$1$` hash of FreeBSD's crypt(3) (Poul-Henning Kamp's MD5-based scheme), as described in FreeBSD's
/// `lib/libcrypt/crypt-md5.c` header and the glibc manual: 1000 rounds of MD5 over the password, salt and magic.
enum MD5Crypt {
    static func hash(password: [UInt8], salt rawSalt: [UInt8]) -> String {
        let magic = Array("$1$".utf8)
        let salt = Array(rawSalt.prefix { $0 != UInt8(ascii: "$") }.prefix(8))
        var alternate = Insecure.MD5()
        alternate.update(data: password)
        alternate.update(data: salt)
        alternate.update(data: password)
        let alternateDigest = Array(alternate.finalize())

        var context = Insecure.MD5()
        context.update(data: password)
        context.update(data: magic)
        context.update(data: salt)
        var remaining = password.count
        while remaining > 0 {
            context.update(data: alternateDigest.prefix(min(16, remaining)))
            remaining -= 16
        }
        // For each bit of the length: a zero byte when set, else the password's first byte (a quirk kept by every implementation).
        var length = password.count
        while length > 0 {
            context.update(data: length & 1 != 0 ? [0] : [password.first ?? 0])
            length >>= 1
        }
        var digest = Array(context.finalize())
        for round in 0..<1000 {
            var step = Insecure.MD5()
            step.update(data: round & 1 != 0 ? password : digest)
            if round % 3 != 0 { step.update(data: salt) }
            if round % 7 != 0 { step.update(data: password) }
            step.update(data: round & 1 != 0 ? digest : password)
            digest = Array(step.finalize())
        }
        var output = magic + salt + [UInt8(ascii: "$")]
        for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
            CryptBase64.append(UInt32(digest[a]) << 16 | UInt32(digest[b]) << 8 | UInt32(digest[c]), count: 4, to: &output)
        }
        CryptBase64.append(UInt32(digest[11]), count: 2, to: &output)
        return String(decoding: output, as: UTF8.self)
    }
}
