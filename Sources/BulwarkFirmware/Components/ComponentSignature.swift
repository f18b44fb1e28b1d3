import Foundation

/// How to recognise one component and name it for matching; kept as data in `component-signatures.json`.
public struct ComponentSignature: Sendable, Decodable {
    public struct Pattern: Sendable, Decodable {
        /// A literal searched for in the file's bytes.
        public var anchor: String
        /// Applied to the text starting at the anchor; the first capture group is the version.
        public var regex: String
    }

    public struct StringRule: Sendable, Decodable {
        /// A literal that must appear somewhere in the file.
        public var requires: String
        /// Matched against each whole printable string of the file; the first capture group is the version.
        public var regex: String
    }

    public var name: String
    public var cpeVendor: String
    public var cpeProduct: String
    /// CycloneDX component type: `library`, `application`, `operating-system`, `firmware`.
    public var type: String
    /// A purl without version, when the component has an ecosystem of its own (`pkg:npm/jquery`); else `pkg:generic/<name>`.
    public var purl: String?
    public var patterns: [Pattern]?
    public var strings: StringRule?
    /// A file-name regular expression whose first capture group is the version.
    public var fileNames: String?
    /// Names the component has in package databases (opkg, dpkg, apk).
    public var packages: [String]
    /// `binary` (ELF files and raw images, the default) or `script` (JavaScript and other text shipped to browsers).
    public var scope: String?

    /// The component's identifiers at a version.
    public func purl(version: String) -> String {
        (purl ?? "pkg:generic/\(name)") + "@" + PackageURLText.encode(version)
    }

    public func cpe(version: String) -> String {
        "cpe:2.3:\(type == "operating-system" ? "o" : "a"):\(cpeVendor):\(cpeProduct):\(CPEText.escape(version)):*:*:*:*:*:*:*"
    }
}

/// The signature set with its expressions compiled.
public struct ComponentSignatureSet: Sendable {
    struct Compiled: @unchecked Sendable {
        // NSRegularExpression is immutable once made and Apple documents it as safe to use from several threads.
        let signature: ComponentSignature
        let patterns: [(anchor: Data, regex: NSRegularExpression)]
        let strings: (requires: Data, regex: NSRegularExpression)?
        let fileNames: NSRegularExpression?
    }

    let compiled: [Compiled]
    let anchors: AnchorIndex
    /// The set's own version, recorded in findings and SBOMs.
    public let version: String

    public var signatures: [ComponentSignature] { compiled.map(\.signature) }

    private struct Document: Decodable {
        var version: String
        var signatures: [ComponentSignature]
    }

    /// Reads a signature document; every expression must compile and hold a capture group.
    public init(json: Data, file: String) throws(FirmwareError) {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: json)
        } catch {
            throw FirmwareError(file: file, "is not a signature document: \(error)")
        }
        func compile(_ pattern: String, _ name: String) throws(FirmwareError) -> NSRegularExpression {
            guard let expression = try? NSRegularExpression(pattern: pattern), expression.numberOfCaptureGroups >= 1 else {
                throw FirmwareError(file: file, place: "signature \(name)", "regular expression \(pattern) does not compile or has no capture group")
            }
            return expression
        }
        var compiled: [Compiled] = []
        for signature in document.signatures {
            var patterns: [(Data, NSRegularExpression)] = []
            for pattern in signature.patterns ?? [] {
                guard pattern.anchor.utf8.count >= 2 else {
                    throw FirmwareError(file: file, place: "signature \(signature.name)", "anchor \"\(pattern.anchor)\" is shorter than two bytes")
                }
                patterns.append((Data(pattern.anchor.utf8), try compile(pattern.regex, signature.name)))
            }
            let strings = try signature.strings.map { (rule) throws(FirmwareError) in
                (Data(rule.requires.utf8), try compile(rule.regex, signature.name))
            }
            let fileNames = try signature.fileNames.map { (pattern) throws(FirmwareError) in try compile(pattern, signature.name) }
            compiled.append(Compiled(signature: signature, patterns: patterns, strings: strings, fileNames: fileNames))
        }
        self.compiled = compiled
        self.anchors = AnchorIndex(compiled)
        self.version = document.version
    }

    /// The signatures shipped with Bulwark.
    public static let builtIn: ComponentSignatureSet = {
        guard let url = Bundle.module.url(forResource: "component-signatures", withExtension: "json"), let data = try? Data(contentsOf: url),
            let set = try? ComponentSignatureSet(json: data, file: "component-signatures.json")
        else { fatalError("the bundled component-signatures.json is missing or invalid; the package is damaged") }
        return set
    }()

    /// The signature for a package-database name.
    func signature(forPackage name: String) -> ComponentSignature? {
        let lowered = name.lowercased()
        return compiled.first { $0.signature.packages.contains(lowered) }?.signature
    }
}

/// Percent-encoding for purl versions (purl-spec: characters outside the unreserved set are encoded).
enum PackageURLText {
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: ".-_~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// CPE 2.3 formatted-string escaping (NISTIR 7695 §6.2): punctuation other than `-`, `.` and `_` gets a backslash.
enum CPEText {
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            if character.isLetter || character.isNumber || "-._".contains(character) {
                result.append(character)
            } else {
                result += "\\\(character)"
            }
        }
        return result
    }
}

/// Every signature's anchors, filed by their first two bytes, so that one pass over a file finds them all.
struct AnchorIndex: Sendable {
    /// Which pattern of which signature (indexes into `ComponentSignatureSet.compiled`).
    struct Pattern: Hashable, Sendable {
        let signature: Int
        let pattern: Int
    }

    /// One bit per two-byte prefix that some anchor starts with.
    let bitmap: [UInt64]
    /// The anchors that start with each prefix (first byte in the low eight bits).
    let byPrefix: [UInt16: [(pattern: Pattern, anchor: Data)]]

    init(_ compiled: [ComponentSignatureSet.Compiled]) {
        var bitmap = [UInt64](repeating: 0, count: 1024)
        var byPrefix: [UInt16: [(pattern: Pattern, anchor: Data)]] = [:]
        for (signature, entry) in compiled.enumerated() {
            for (pattern, (anchor, _)) in entry.patterns.enumerated() {
                let key = UInt16(anchor[anchor.startIndex]) | UInt16(anchor[anchor.startIndex + 1]) << 8
                bitmap[Int(key) >> 6] |= 1 << UInt64(key & 63)
                byPrefix[key, default: []].append((Pattern(signature: signature, pattern: pattern), anchor))
            }
        }
        self.bitmap = bitmap
        self.byPrefix = byPrefix
    }
}
