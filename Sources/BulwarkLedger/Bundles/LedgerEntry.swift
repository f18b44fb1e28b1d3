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

    /// The index of the first byte at or after `start` that JSON must escape (a control character, a quote or a
    /// backslash), or `count` if there is none.
    ///
    /// Sixteen bytes are tested at a time, with three vector compares and one mask test; payloads are mostly long runs
    /// that need no escape. The constants are made once per call: comparing with scalar literals built a vector per
    /// compare and ran ten times slower.
    @inline(__always)
    static func nextEscape(in base: UnsafePointer<UInt8>, count: Int, from start: Int) -> Int {
        let firstPrintable = SIMD16<UInt8>(repeating: 0x20)
        let quotes = SIMD16<UInt8>(repeating: UInt8(ascii: "\""))
        let backslashes = SIMD16<UInt8>(repeating: UInt8(ascii: "\\"))
        var index = start
        while index + 16 <= count {
            let bytes = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<UInt8>.self)
            let hits = (bytes .< firstPrintable) .| (bytes .== quotes) .| (bytes .== backslashes)
            if any(hits) {
                // Each lane of the mask is all ones or all zeros; the first set lane is the first escape.
                let lanes = unsafeBitCast(hits, to: SIMD2<UInt64>.self)
                return index + (lanes[0] != 0 ? lanes[0].trailingZeroBitCount / 8 : 8 + lanes[1].trailingZeroBitCount / 8)
            }
            index &+= 16
        }
        while index < count {
            let byte = base[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
            index &+= 1
        }
        return count
    }

    /// How many bytes the escape of `byte` takes: `\"`, `\\`, `\n`, `\r` and `\t` two, other control characters six.
    @inline(__always)
    static func escapedLength(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): 2
        default: 6
        }
    }

    /// `quote(_:)` into a byte buffer. One scan finds the escapes (keeping where the first 32 are) and so the quoted
    /// length, the output grows once, and then each run that needs no escape is copied whole and each escape written in
    /// place. Payloads escape a dozen quotes per kilobyte, and appending each escape and run to the array separately had
    /// cost as much as hashing the entry.
    static func quote(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            let count = bytes.count
            guard let base = bytes.baseAddress else {
                out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "\"")])
                return
            }
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 32) { kept in
                var length = count + 2
                var escapes = 0
                var index = nextEscape(in: base, count: count, from: 0)
                while index < count {
                    length += escapedLength(base[index]) - 1
                    if escapes < kept.count { kept[escapes] = index }
                    escapes += 1
                    index = nextEscape(in: base, count: count, from: index + 1)
                }
                let start = out.count
                out.append(contentsOf: repeatElement(0, count: length))
                out.withUnsafeMutableBufferPointer { buffer in
                    let output = buffer.baseAddress! + start
                    output[0] = UInt8(ascii: "\"")
                    var at = 1
                    var runStart = 0
                    for number in 0..<escapes {
                        let escape = number < kept.count ? kept[number] : nextEscape(in: base, count: count, from: runStart)
                        (output + at).update(from: base + runStart, count: escape - runStart)
                        at += escape - runStart
                        let byte = base[escape]
                        output[at] = UInt8(ascii: "\\")
                        switch byte {
                        case UInt8(ascii: "\""), UInt8(ascii: "\\"): output[at + 1] = byte
                        case UInt8(ascii: "\n"): output[at + 1] = UInt8(ascii: "n")
                        case UInt8(ascii: "\r"): output[at + 1] = UInt8(ascii: "r")
                        case UInt8(ascii: "\t"): output[at + 1] = UInt8(ascii: "t")
                        default:
                            output[at + 1] = UInt8(ascii: "u")
                            output[at + 2] = UInt8(ascii: "0")
                            output[at + 3] = UInt8(ascii: "0")
                            output[at + 4] = hexDigits[Int(byte >> 4)]
                            output[at + 5] = hexDigits[Int(byte & 0x0F)]
                        }
                        at += escapedLength(byte)
                        runStart = escape + 1
                    }
                    (output + at).update(from: base + runStart, count: count - runStart)
                    at += count - runStart
                    output[at] = UInt8(ascii: "\"")
                    precondition(at + 1 == length, "the quoted text is \(at + 1) bytes, not the \(length) counted")
                }
            }
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
