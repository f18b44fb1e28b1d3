internal import Crypto

/// The `$5$` (SHA-256) and `$6$` (SHA-512) hashes specified by Ulrich Drepper, "Unix crypt using SHA-256 and SHA-512"
/// (the specification glibc implements): default 5000 rounds, `rounds=N$` between 1000 and 999,999,999.
enum SHACrypt {
    enum Variant {
        case sha256, sha512

        var prefix: String { self == .sha256 ? "$5$" : "$6$" }
        var digestLength: Int { self == .sha256 ? 32 : 64 }

        func digest(_ parts: [[UInt8]]) -> [UInt8] {
            switch self {
            case .sha256:
                var hasher = SHA256()
                for part in parts { hasher.update(data: part) }
                return Array(hasher.finalize())
            case .sha512:
                var hasher = SHA512()
                for part in parts { hasher.update(data: part) }
                return Array(hasher.finalize())
            }
        }
    }

    /// Hashes `password` with the salt field of a stored hash (the text after `$5$`/`$6$`, with an optional `rounds=`).
    static func hash(password: [UInt8], setting: [UInt8], variant: Variant) -> String {
        var saltField = setting[...]
        var rounds = 5000
        var roundsGiven = false
        let roundsPrefix = Array("rounds=".utf8)
        if saltField.starts(with: roundsPrefix), let end = saltField.firstIndex(of: UInt8(ascii: "$")),
            let value = Int(String(decoding: saltField[(saltField.startIndex + roundsPrefix.count)..<end], as: UTF8.self))
        {
            rounds = min(max(value, 1000), 999_999_999)
            roundsGiven = true
            saltField = saltField[(end + 1)...]
        }
        let salt = Array(saltField.prefix { $0 != UInt8(ascii: "$") }.prefix(16))
        let size = variant.digestLength

        let b = variant.digest([password, salt, password])
        var aParts: [[UInt8]] = [password, salt]
        var left = password.count
        while left > size {
            aParts.append(b)
            left -= size
        }
        aParts.append(Array(b.prefix(left)))
        var bits = password.count
        while bits > 0 {
            aParts.append(bits & 1 != 0 ? b : password)
            bits >>= 1
        }
        var a = variant.digest(aParts)

        let dp = variant.digest(Array(repeating: password, count: password.count))
        let p = stretch(dp, to: password.count)
        let ds = variant.digest(Array(repeating: salt, count: 16 + Int(a[0])))
        let s = stretch(ds, to: salt.count)

        for round in 0..<rounds {
            var parts: [[UInt8]] = [round & 1 != 0 ? p : a]
            if round % 3 != 0 { parts.append(s) }
            if round % 7 != 0 { parts.append(p) }
            parts.append(round & 1 != 0 ? a : p)
            a = variant.digest(parts)
        }

        var output = Array(variant.prefix.utf8)
        if roundsGiven { output += Array("rounds=\(rounds)$".utf8) }
        output += salt + [UInt8(ascii: "$")]
        switch variant {
        case .sha256:
            let order = [
                (0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14), (15, 25, 5), (6, 16, 26), (27, 7, 17), (18, 28, 8), (9, 19, 29),
            ]
            for (x, y, z) in order { CryptBase64.append(UInt32(a[x]) << 16 | UInt32(a[y]) << 8 | UInt32(a[z]), count: 4, to: &output) }
            CryptBase64.append(UInt32(a[31]) << 8 | UInt32(a[30]), count: 3, to: &output)
        case .sha512:
            // Triple k takes bytes k, k+21 and k+42, rotated one place further for each k.
            for k in 0..<21 {
                let triple = [k, k + 21, k + 42]
                let r = k % 3
                let (x, y, z) = (triple[r], triple[(r + 1) % 3], triple[(r + 2) % 3])
                CryptBase64.append(UInt32(a[x]) << 16 | UInt32(a[y]) << 8 | UInt32(a[z]), count: 4, to: &output)
            }
            CryptBase64.append(UInt32(a[63]), count: 2, to: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A digest repeated and cut to `length` bytes (the P and S sequences of the specification).
    private static func stretch(_ digest: [UInt8], to length: Int) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(length)
        while result.count < length { result += digest.prefix(length - result.count) }
        return result
    }
}
