/// Reads the header and first question of a DNS message (RFC 1035 §4.1), following name compression pointers.
enum DNSParser {
    struct Failure: Error {
        let message: String
    }

    static func parse(_ bytes: ArraySlice<UInt8>) -> Result<DNSMessage, Failure> {
        let field = BinaryField(bytes)
        guard field.has(0, 12) else { return .failure(Failure(message: "DNS header needs 12 bytes, \(bytes.count) captured")) }
        let flags = field.u16(2)
        let questions = Int(field.u16(4))
        var message = DNSMessage(
            id: field.u16(0), isResponse: flags & 0x8000 != 0, responseCode: UInt8(flags & 0x000F), name: "", questionType: 0,
            answerCount: Int(field.u16(6)))
        guard questions > 0 else { return .success(message) }
        switch readName(field, at: 12) {
        case .failure(let failure): return .failure(failure)
        case .success(let (name, end)):
            message.name = name
            if field.has(end, 2) { message.questionType = field.u16(end) }
            if message.isResponse, questions == 1 { message.addresses = answers(field, from: end + 4, count: message.answerCount) }
            return .success(message)
        }
    }

    /// A (type 1) and AAAA (type 28) records of the answer section; stops quietly at the first record it cannot read.
    static func answers(_ field: BinaryField, from start: Int, count: Int) -> [HostAddress] {
        var addresses: [HostAddress] = []
        var at = start
        for _ in 0..<Swift.min(count, 64) {
            guard case .success(let (_, end)) = readName(field, at: at), field.has(end, 10) else { break }
            let type = field.u16(end)
            let length = Int(field.u16(end + 8))
            guard field.has(end + 10, length) else { break }
            if type == 1, length == 4 { addresses.append(HostAddress(ipv4: field.u32(end + 10))) }
            if type == 28, length == 16 { addresses.append(HostAddress(bytes: field.slice(end + 10, 16))) }
            at = end + 10 + length
        }
        return addresses
    }

    /// A domain name at `offset` and the offset just past it in the message.
    static func readName(_ field: BinaryField, at offset: Int) -> Result<(String, Int), Failure> {
        var labels: [UInt8] = []
        var at = offset
        var end: Int?
        var jumps = 0
        while true {
            guard field.has(at, 1) else { return .failure(Failure(message: "DNS name runs past the message at byte \(at)")) }
            let length = Int(field.u8(at))
            if length == 0 {
                if end == nil { end = at + 1 }
                break
            }
            if length & 0xC0 == 0xC0 {
                // RFC 1035 §4.1.4: a pointer to an earlier name; a loop would never end, so bound the jumps.
                guard field.has(at, 2) else { return .failure(Failure(message: "DNS compression pointer cut short at byte \(at)")) }
                if end == nil { end = at + 2 }
                jumps += 1
                guard jumps <= 32 else { return .failure(Failure(message: "DNS name compression loops at byte \(at)")) }
                at = Int(field.u16(at) & 0x3FFF)
                continue
            }
            guard length <= 63 else { return .failure(Failure(message: "DNS label length \(length) exceeds 63 at byte \(at)")) }
            guard field.has(at + 1, length) else { return .failure(Failure(message: "DNS label runs past the message at byte \(at)")) }
            if !labels.isEmpty { labels.append(UInt8(ascii: ".")) }
            for byte in field.slice(at + 1, length) {
                labels.append(byte >= 65 && byte <= 90 ? byte + 32 : byte)
            }
            guard labels.count <= 255 else { return .failure(Failure(message: "DNS name longer than 255 bytes at byte \(at)")) }
            at += 1 + length
        }
        return .success((String(decoding: labels, as: UTF8.self), end ?? at))
    }
}
