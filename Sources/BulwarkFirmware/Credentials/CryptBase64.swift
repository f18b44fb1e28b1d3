/// The "./0-9A-Za-z" alphabet that crypt(3) hashes are written in, least significant six bits first.
enum CryptBase64 {
    static let alphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    static func index(of character: UInt8) -> Int? { alphabet.firstIndex(of: character) }

    /// Appends `count` characters for the low bits of `value`, six at a time from the least significant end.
    static func append(_ value: UInt32, count: Int, to output: inout [UInt8]) {
        var value = value
        for _ in 0..<count {
            output.append(alphabet[Int(value & 0x3f)])
            value >>= 6
        }
    }
}
