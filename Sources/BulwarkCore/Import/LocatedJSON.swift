/// A JSON value (RFC 8259) that remembers the line it starts on, so import errors can point into the file.
///
/// A small strict parser: no comments, no trailing commas, nesting limited to `maximumDepth` so hostile input
/// cannot exhaust the stack.
public indirect enum LocatedJSON: Sendable, Hashable {
    case object([(key: String, value: Located)], line: Int)
    case array([Located], line: Int)
    case string(String, line: Int)
    case number(String, line: Int)
    case bool(Bool, line: Int)
    case null(line: Int)

    public struct Located: Sendable, Hashable {
        public let value: LocatedJSON
        public var line: Int { value.line }
    }

    public var line: Int {
        switch self {
        case .object(_, let line), .array(_, let line), .string(_, let line), .number(_, let line), .bool(_, let line), .null(let line): line
        }
    }

    /// A short name of the value's type for error messages.
    public var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    public static let maximumDepth = 64

    public static func == (lhs: LocatedJSON, rhs: LocatedJSON) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a, let la), .object(let b, let lb)):
            la == lb && a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let a, let la), .array(let b, let lb)): la == lb && a == b
        case (.string(let a, let la), .string(let b, let lb)): la == lb && a == b
        case (.number(let a, let la), .number(let b, let lb)): la == lb && a == b
        case (.bool(let a, let la), .bool(let b, let lb)): la == lb && a == b
        case (.null(let la), .null(let lb)): la == lb
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        hasher.combine(typeName)
    }

    /// Parses a whole document; `source` names it in errors.
    public static func parse(_ bytes: [UInt8], source: String) throws(ImportError) -> LocatedJSON {
        var parser = LocatedJSONParser(bytes: bytes, source: source)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the JSON document") }
        return value
    }
}

struct LocatedJSONParser {
    let bytes: [UInt8]
    let source: String
    var index = 0
    var line = 1

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
        if bytes.starts(with: [0xef, 0xbb, 0xbf]) { index = 3 }
    }

    func error(_ message: String) -> ImportError {
        .format(source: source, line: line, message: "invalid JSON: \(message)")
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0d: index += 1
            case 0x0a:
                index += 1
                line += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(ImportError) -> LocatedJSON {
        guard depth < LocatedJSON.maximumDepth else { throw error("nesting deeper than \(LocatedJSON.maximumDepth) levels") }
        guard index < bytes.count else { throw error("the document ends where a value was expected") }
        let startLine = line
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(key: String, value: LocatedJSON.Located)] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members, line: startLine)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a quoted member name") }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after member name \"\(key)\"") }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                members.append((key, LocatedJSON.Located(value: value)))
                skipWhitespace()
                guard index < bytes.count else { throw error("the document ends inside an object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw error("expected ',' or '}' in an object") }
                index += 1
                return .object(members, line: startLine)
            }
        case UInt8(ascii: "["):
            index += 1
            var elements: [LocatedJSON.Located] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements, line: startLine)
            }
            while true {
                skipWhitespace()
                elements.append(LocatedJSON.Located(value: try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw error("the document ends inside an array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw error("expected ',' or ']' in an array") }
                index += 1
                return .array(elements, line: startLine)
            }
        case UInt8(ascii: "\""):
            return .string(try parseString(), line: startLine)
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .bool(true, line: startLine)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .bool(false, line: startLine)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null(line: startLine)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber(), line: startLine)
        default:
            throw error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    mutating func expectWord(_ word: String) throws(ImportError) {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw error("expected '\(word)'")
        }
        index += expected.count
    }

    mutating func parseNumber() throws(ImportError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ parser: inout LocatedJSONParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (48...57).contains(parser.bytes[parser.index]) { parser.index += 1 }
            return parser.index - from
        }
        let integerStart = index
        guard digits(&self) > 0 else { throw error("a number needs digits") }
        if bytes[integerStart] == UInt8(ascii: "0"), index - integerStart > 1 { throw error("numbers may not have leading zeros") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("a number needs digits after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("a number needs digits in its exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func parseString() throws(ImportError) -> String {
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw error("the document ends inside a string") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5c)
                case UInt8(ascii: "/"): out.append(0x2f)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xd800...0xdbff).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("a lone UTF-16 high surrogate in a string")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xdc00...0xdfff).contains(low) else { throw error("a UTF-16 high surrogate without its low half") }
                        scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                    } else if (0xdc00...0xdfff).contains(scalar) {
                        throw error("a lone UTF-16 low surrogate in a string")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("an invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw error("an unknown escape '\\\(Character(Unicode.Scalar(escape)))' in a string")
                }
            case 0x00..<0x20:
                throw error("a raw control character inside a string")
            default:
                out.append(byte)
            }
        }
        throw error("the document ends inside a string")
    }

    mutating func hex4() throws(ImportError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 55)
            default: throw error("a \\u escape needs four hex digits")
            }
            value = value << 4 | digit
        }
        return value
    }
}
