import Crypto
import Foundation

/// One record in the evidence ledger: what kind of evidence or decision, whose it is, when, and its canonical JSON.
///
/// The leaf hashed into the tree is `content`, a fixed JSON rendering of these four fields, so anyone holding the
/// entry can recompute its leaf hash without this code. New kinds (quotes, price changes, endorsements, claim payments)
/// need only a kind name and a payload.
public struct LedgerEntry: Hashable, Sendable {
    /// The kinds logged today; `kind` is open so later modules add theirs.
    public enum Kind {
        /// An uploaded evidence file, by SHA-256.
        public static let evidenceFile = "evidence.file"
        /// A finding, as its canonical JSON.
        public static let finding = "finding"
    }

    public let kind: String
    /// The organisation the entry is about; reads of entries are scoped by it.
    public let organisation: String
    /// RFC 3339 time the entry was appended.
    public let recordedAt: String
    /// Canonical JSON of the evidence or decision (keys sorted, no insignificant space).
    public let payload: String

    public init(kind: String, organisation: String, recordedAt: String, payload: String) throws(LedgerError) {
        try Self.checkKind(kind)
        self.kind = kind
        self.organisation = organisation
        self.recordedAt = recordedAt
        self.payload = payload
    }

    /// An entry whose payload is `value` encoded as canonical JSON.
    public init<Value: Encodable>(kind: String, organisation: String, recordedAt: String, value: Value) throws(LedgerError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { throw .bundle("the \(kind) payload cannot be encoded as JSON") }
        try self.init(kind: kind, organisation: organisation, recordedAt: recordedAt, payload: String(decoding: data, as: UTF8.self))
    }

    /// The bytes hashed as the leaf: `{"kind":…,"organisation":…,"payload":…,"recordedAt":…}` with the payload as a string.
    public var content: String {
        var bytes: [UInt8] = []
        Self.appendContent(kind: kind, organisation: organisation, recordedAt: recordedAt, payload: payload, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// RFC 9162 §2.1.1 leaf hash of `content`.
    public var leafHash: TreeHash { MerkleTree.leafHash(Array(content.utf8)) }

    /// Writes the canonical content of an entry with these fields to the end of `out`, byte for byte what `content` is.
    ///
    /// Appends of many entries build their stored text and leaf hashes from one buffer this way, with no `String` per entry.
    /// The kind is not checked here; `checkKind(_:)` does that once per kind.
    public static func appendContent(kind: String, organisation: String, recordedAt: String, payload: String, to out: inout [UInt8]) {
        // Room for the fields as they are; doubling when short, since a buffer filled entry by entry would otherwise be
        // copied once per entry (`reserveCapacity` grows to exactly what is asked).
        let needed = out.count + payload.utf8.count + kind.utf8.count + organisation.utf8.count + recordedAt.utf8.count + 64
        if out.capacity < needed { out.reserveCapacity(max(needed, 2 * out.capacity)) }
        out.append(contentsOf: #"{"kind":"#.utf8)
        quote(kind, to: &out)
        out.append(contentsOf: #","organisation":"#.utf8)
        quote(organisation, to: &out)
        out.append(contentsOf: #","payload":"#.utf8)
        quote(payload, to: &out)
        out.append(contentsOf: #","recordedAt":"#.utf8)
        quote(recordedAt, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// Refuses a kind that is not lowercase words joined by dots or hyphens.
    public static func checkKind(_ kind: String) throws(LedgerError) {
        guard !kind.isEmpty, kind.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
            throw .bundle("entry kind \"\(kind)\" must be lowercase words joined by dots or hyphens")
        }
    }

    /// Reads an entry from its content; the text must be exactly the canonical rendering.
    public init(content: String) throws(LedgerError) {
        struct Fields: Decodable {
            let kind: String
            let organisation: String
            let payload: String
            let recordedAt: String
        }
        guard let fields = try? JSONDecoder().decode(Fields.self, from: Data(content.utf8)) else {
            throw .bundle("the entry is not JSON with kind, organisation, payload and recordedAt")
        }
        try self.init(kind: fields.kind, organisation: fields.organisation, recordedAt: fields.recordedAt, payload: fields.payload)
        guard self.content == content else { throw .bundle("the entry is not in canonical form, so its leaf hash would not be reproducible") }
    }

    /// RFC 8259 §7 string escaping: quote, backslash and control characters; everything else as UTF-8.
    static func quote(_ text: String) -> String {
        var out: [UInt8] = []
        quote(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether any of eight bytes is a control character, a quote or a backslash (bit tricks after "Bit Twiddling
    /// Hacks", "determine if a word has a byte less than n"); a false alarm only sends the word down the byte path.
    @inline(__always)
    static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        let control = (word &- ones &* 0x20) & ~word & highs != 0
        return control || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
    }

    /// `quote(_:)` into a byte buffer. Runs of bytes that need no escape are copied whole, so a long payload costs
    /// about one pass and a copy.
    static func quote(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            out.append(UInt8(ascii: "\""))
            guard let base = bytes.baseAddress else {
                out.append(UInt8(ascii: "\""))
                return
            }
            let count = bytes.count
            var runStart = 0
            var index = 0
            while index < count {
                // Eight bytes at a time while none of them needs an escape (the usual case in long payloads).
                while index + 8 <= count, !Self.mayNeedEscape(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
                    index &+= 8
                }
                guard index < count else { break }
                let byte = base[index]
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    index &+= 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
                case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
                default:
                    out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
                }
                index &+= 1
                runStart = index
            }
            out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
            out.append(UInt8(ascii: "\""))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

/// The payload of an `evidence.file` entry: a file's digest and what it is.
public struct EvidenceFile: Codable, Hashable, Sendable {
    public let name: String
    /// Lowercase hex SHA-256 of the file's bytes.
    public let sha256: String
    public let size: UInt64
    public let description: String?

    public init(name: String, sha256: String, size: UInt64, description: String?) {
        self.name = name
        self.sha256 = sha256
        self.size = size
        self.description = description
    }
}

/// SHA-256 of a file read in pieces, for `EvidenceFile.sha256`.
public struct EvidenceDigest {
    private var hasher = SHA256()
    public private(set) var size: UInt64 = 0

    public init() {}

    public mutating func update(_ bytes: some DataProtocol) {
        hasher.update(data: bytes)
        size += UInt64(bytes.count)
    }

    /// Lowercase hex of the digest.
    public func finalize() -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
