/// Traditional crypt(3): 25 DES encryptions of a zero block under a key made of the password's first eight characters
/// (seven bits each), with the 12-bit salt swapping pairs of the expansion table (Seventh Edition Unix `crypt.c`; DES
/// tables from FIPS PUB 46-3).
enum DESCrypt {
    private static let initialPermutation: [Int] = [
        58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
        57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
    ]
    private static let finalPermutation: [Int] = [
        40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
        36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
    ]
    private static let expansion: [Int] = [
        32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
        16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
    ]
    private static let permutation: [Int] = [
        16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
    ]
    private static let permutedChoice1: [Int] = [
        57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
        63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
    ]
    private static let permutedChoice2: [Int] = [
        14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
        41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
    ]
    private static let shifts: [Int] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1]
    private static let sBoxes: [[UInt8]] = [
        [
            14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
            4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
        ],
        [
            15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
            0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
        ],
        [
            10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
            13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
        ],
        [
            7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
            10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
        ],
        [
            2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
            4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
        ],
        [
            12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
            9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
        ],
        [
            4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
            1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
        ],
        [
            13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
            7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
        ],
    ]

    /// The 13-character hash of `password` under the two salt characters; `nil` when the salt is not in the alphabet.
    static func hash(password: [UInt8], salt: [UInt8]) -> String? {
        guard salt.count >= 2, let s0 = CryptBase64.index(of: salt[0]), let s1 = CryptBase64.index(of: salt[1]) else { return nil }
        var key = [UInt8](repeating: 0, count: 64)
        for (index, character) in password.prefix(8).enumerated() {
            for bit in 0..<7 { key[index * 8 + bit] = (character >> (6 - bit)) & 1 }
        }
        let schedule = keySchedule(key)
        var table = expansion
        for (i, value) in [s0, s1].enumerated() {
            for j in 0..<6 where (value >> j) & 1 != 0 { table.swapAt(6 * i + j, 6 * i + j + 24) }
        }
        var block = [UInt8](repeating: 0, count: 64)
        for _ in 0..<25 { block = encrypt(block, schedule: schedule, expansion: table) }
        var output = [salt[0], salt[1]]
        block += [0, 0]
        for group in 0..<11 {
            var value = 0
            for bit in 0..<6 { value = value << 1 | Int(block[group * 6 + bit]) }
            output.append(CryptBase64.alphabet[value])
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func keySchedule(_ key: [UInt8]) -> [[UInt8]] {
        var c = permutedChoice1[0..<28].map { key[$0 - 1] }
        var d = permutedChoice1[28..<56].map { key[$0 - 1] }
        var schedule: [[UInt8]] = []
        for shift in shifts {
            c = Array(c[shift...] + c[..<shift])
            d = Array(d[shift...] + d[..<shift])
            let cd = c + d
            schedule.append(permutedChoice2.map { cd[$0 - 1] })
        }
        return schedule
    }

    private static func encrypt(_ block: [UInt8], schedule: [[UInt8]], expansion table: [Int]) -> [UInt8] {
        let permuted = initialPermutation.map { block[$0 - 1] }
        var left = Array(permuted[0..<32])
        var right = Array(permuted[32..<64])
        var expanded = [UInt8](repeating: 0, count: 48)
        var substituted = [UInt8](repeating: 0, count: 32)
        for round in 0..<16 {
            for j in 0..<48 { expanded[j] = right[table[j] - 1] ^ schedule[round][j] }
            for box in 0..<8 {
                let t = box * 6
                let row = Int(expanded[t]) << 1 | Int(expanded[t + 5])
                let column = Int(expanded[t + 1]) << 3 | Int(expanded[t + 2]) << 2 | Int(expanded[t + 3]) << 1 | Int(expanded[t + 4])
                let value = sBoxes[box][row * 16 + column]
                for bit in 0..<4 { substituted[box * 4 + bit] = (value >> (3 - bit)) & 1 }
            }
            let next = (0..<32).map { left[$0] ^ substituted[permutation[$0] - 1] }
            left = right
            right = next
        }
        let preoutput = right + left
        return finalPermutation.map { preoutput[$0 - 1] }
    }
}
