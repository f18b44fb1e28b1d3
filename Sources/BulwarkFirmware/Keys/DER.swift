import Foundation

/// A minimal reader for ASN.1 DER (ITU-T X.690 §8, §10): enough to walk X.509 certificates and PKCS#1/PKCS#8 keys.
struct DER {
    struct Node {
        var tag: UInt8
        /// The content octets.
        var content: Data
        /// Header and content together.
        var encoded: Data

        var isConstructed: Bool { tag & 0x20 != 0 }

        /// The children of a constructed node.
        func children() -> [Node]? {
            var result: [Node] = []
            var rest = content
            while !rest.isEmpty {
                guard let (node, length) = DER.parse(rest) else { return nil }
                result.append(node)
                rest = rest.dropFirst(length)
            }
            return result
        }
    }

    /// Parses one node at the start of `data`; returns it and the bytes it took, or `nil` when malformed.
    static func parse(_ data: Data) -> (Node, Int)? {
        let bytes = data
        guard bytes.count >= 2 else { return nil }
        let start = bytes.startIndex
        let tag = bytes[start]
        guard tag & 0x1f != 0x1f else { return nil }  // high tag numbers do not occur in the structures read here
        var length = Int(bytes[start + 1])
        var header = 2
        if length & 0x80 != 0 {
            let octets = length & 0x7f
            guard octets >= 1, octets <= 4, bytes.count >= 2 + octets else { return nil }
            length = 0
            for i in 0..<octets { length = length << 8 | Int(bytes[start + 2 + i]) }
            header += octets
        }
        guard length >= 0, length <= bytes.count - header else { return nil }
        let content = bytes[(start + header)..<(start + header + length)]
        return (Node(tag: tag, content: Data(content), encoded: Data(bytes[start..<(start + header + length)])), header + length)
    }

    /// Dotted text of an OBJECT IDENTIFIER's content (X.690 §8.19).
    static func objectIdentifier(_ content: Data) -> String? {
        guard let first = content.first else { return nil }
        var parts = [Int(first) / 40, Int(first) % 40]
        var value = 0
        for byte in content.dropFirst() {
            value = value << 7 | Int(byte & 0x7f)
            if byte & 0x80 == 0 {
                parts.append(value)
                value = 0
            }
        }
        return parts.map(String.init).joined(separator: ".")
    }

    /// UTCTime (YYMMDDHHMMSSZ, years 1950–2049 per RFC 5280 §4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ).
    static func time(_ node: Node) -> Date? {
        let text = String(decoding: node.content, as: UTF8.self)
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        let digits = Array(text.prefix { $0.isNumber })
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= digits.count else { return nil }
            return Int(String(digits[from..<(from + count)]))
        }
        let offset: Int
        if node.tag == 0x17 {
            guard let year = number(0, 2) else { return nil }
            components.year = year >= 50 ? 1900 + year : 2000 + year
            offset = 2
        } else if node.tag == 0x18 {
            components.year = number(0, 4)
            offset = 4
        } else {
            return nil
        }
        components.month = number(offset, 2)
        components.day = number(offset + 2, 2)
        components.hour = number(offset + 4, 2)
        components.minute = number(offset + 6, 2)
        components.second = number(offset + 8, 2) ?? 0
        return Calendar(identifier: .gregorian).date(from: components)
    }
}
