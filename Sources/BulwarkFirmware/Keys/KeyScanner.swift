import BulwarkCore
internal import Crypto
import Foundation

/// Finds private keys (PEM, DER, OpenSSH) and certificates in an image and judges them: a private key in firmware is
/// shared by every device that runs it (EN 303 645 provision 5.4-3, no hard-coded critical security parameters);
/// certificates are checked for expiry, short keys and MD5/SHA-1 signatures.
public struct KeyScanner: Sendable {
    public init() {}

    public func scan(_ tree: FileTree, now: Date) -> (keys: [KeyMaterial], findings: [FirmwareFinding]) {
        var keys: [KeyMaterial] = []
        for file in tree.regularFiles where file.content.count <= 4 << 20 {
            keys += Self.pemObjects(in: file)
            if Self.isDERCandidate(file), let key = Self.derObject(file.content, file: file.path) { keys.append(key) }
        }
        var findings: [FirmwareFinding] = []
        for key in keys {
            let source = tree[key.file]?.provenance
            switch key.kind {
            case .privateKey:
                findings.append(
                    FirmwareFinding(
                        rule: key.encrypted ? "keys.private-key-encrypted" : "keys.private-key", severity: key.encrypted ? .medium : .high,
                        title: "\(key.algorithm) private key embedded in the image", file: key.file,
                        evidence: "\(key.encoding.uppercased()) \(key.algorithm) private key\(key.bits.map { " (\($0) bits)" } ?? ""), "
                            + (key.encrypted ? "passphrase-protected" : "unencrypted")
                            + ", SHA-256 \(key.fingerprint.prefix(16))…; every device of this release holds it",
                        provision: "5.4-3", source: source))
                if key.algorithm == "RSA", let bits = key.bits, bits < 2048 {
                    findings.append(weak(key, source: source, reason: "RSA key of \(bits) bits (below 2048)"))
                }
            case .certificate:
                if let notAfter = key.notAfter, notAfter < now {
                    findings.append(
                        FirmwareFinding(
                            rule: "keys.certificate-expired", severity: .medium, title: "Certificate expired", file: key.file,
                            evidence: "\(key.subject ?? "certificate") expired on \(Timestamp.format(notAfter))", provision: "5.5-1", source: source))
                }
                if key.algorithm == "RSA", let bits = key.bits, bits < 2048 {
                    findings.append(
                        weak(key, source: source, reason: "certificate for \(key.subject ?? "?") has an RSA key of \(bits) bits (below 2048)"))
                }
                if let algorithm = key.signatureAlgorithm, algorithm.hasPrefix("md5") || algorithm.hasPrefix("sha1") || algorithm.hasPrefix("md2") {
                    findings.append(weak(key, source: source, reason: "certificate for \(key.subject ?? "?") is signed with \(algorithm)"))
                }
            }
        }
        return (keys, findings)
    }

    private func weak(_ key: KeyMaterial, source: String?, reason: String) -> FirmwareFinding {
        FirmwareFinding(
            rule: "keys.weak", severity: .medium, title: "Weak key or signature", file: key.file, evidence: reason, provision: "5.5-1", source: source
        )
    }

    static func isDERCandidate(_ file: FirmwareFile) -> Bool {
        let ext = file.name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return ["der", "cer", "crt", "key", "p8", "pk8"].contains(ext) && file.content.first == 0x30
    }

    /// Every PEM block (RFC 7468) in a file, found by byte search (a binary may carry PEM text among its strings; only
    /// the blocks themselves are turned into text).
    static func pemObjects(in file: FirmwareFile) -> [KeyMaterial] {
        let content = file.content
        let begins = ComponentScanner.occurrences(of: pemBegin, in: content, limit: 100_000)
        guard !begins.isEmpty else { return [] }
        let base = content.startIndex
        var result: [KeyMaterial] = []
        var consumed = 0
        var unmatched = 0
        for begin in begins where begin >= consumed {
            let labelStart = begin + pemBegin.count
            // The label runs to the next five dashes on the same line.
            guard
                let labelLength = ComponentScanner.occurrences(
                    of: pemDashes, in: content[(base + labelStart)..<(base + min(content.count, labelStart + 80))], limit: 1
                ).first
            else { continue }
            let labelBytes = content[(base + labelStart)..<(base + labelStart + labelLength)]
            guard !labelBytes.isEmpty, labelBytes.allSatisfy({ (0x20...0x7e).contains($0) }) else { continue }
            let label = String(decoding: labelBytes, as: UTF8.self)
            let bodyStart = labelStart + labelLength + pemDashes.count
            let endMarker = Data("-----END \(label)-----".utf8)
            // A PEM object is a few kilobytes; searching a bounded window, and giving up after many unmatched
            // beginnings, keeps a file full of them from costing time in the square of its size.
            let window = content[(base + bodyStart)..<(base + min(content.count, bodyStart + Self.pemWindow))]
            guard let bodyLength = ComponentScanner.occurrences(of: endMarker, in: window, limit: 1).first else {
                unmatched += 1
                if unmatched >= Self.pemUnmatchedLimit { break }
                continue
            }
            consumed = bodyStart + bodyLength + endMarker.count
            let body = String(decoding: content[(base + bodyStart)..<(base + bodyStart + bodyLength)], as: UTF8.self)
            let headers = body.contains("Proc-Type: 4,ENCRYPTED")
            let base64 = body.split(separator: "\n").filter { !$0.contains(":") }.joined().filter { !$0.isWhitespace }
            guard let der = Data(base64Encoded: base64) else { continue }
            switch label {
            case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
                if var certificate = certificate(der, file: file.path) {
                    certificate.encoding = "pem"
                    result.append(certificate)
                }
            case "OPENSSH PRIVATE KEY":
                result.append(openSSH(der, file: file.path))
            case "ENCRYPTED PRIVATE KEY":
                result.append(
                    KeyMaterial(
                        kind: .privateKey, file: file.path, encoding: "pem", algorithm: "PKCS#8", bits: nil, encrypted: true, fingerprint: digest(der)
                    ))
            case let label where label.hasSuffix("PRIVATE KEY"):
                let algorithm = label == "PRIVATE KEY" ? nil : String(label.dropLast(" PRIVATE KEY".count))
                var key =
                    privateKey(der, file: file.path, declared: algorithm)
                    ?? KeyMaterial(
                        kind: .privateKey, file: file.path, encoding: "pem", algorithm: algorithm ?? "unknown", bits: nil, encrypted: false,
                        fingerprint: digest(der))
                key.encoding = "pem"
                key.encrypted = key.encrypted || headers
                result.append(key)
            default: continue
            }
        }
        return result
    }

    private static let pemBegin = Data("-----BEGIN ".utf8)
    private static let pemDashes = Data("-----".utf8)
    private static let pemWindow = 1 << 16
    private static let pemUnmatchedLimit = 1000

    /// A DER file: a certificate, or a PKCS#1 / PKCS#8 private key.
    static func derObject(_ data: Data, file: String) -> KeyMaterial? {
        if let certificate = certificate(data, file: file) { return certificate }
        return privateKey(data, file: file, declared: nil)
    }

    static func digest(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    /// PKCS#1 RSAPrivateKey (RFC 8017 A.1.2), SEC 1 ECPrivateKey (RFC 5915) or PKCS#8 PrivateKeyInfo (RFC 5208).
    static func privateKey(_ der: Data, file: String, declared: String?) -> KeyMaterial? {
        guard let (root, _) = DER.parse(der), root.tag == 0x30, let items = root.children(), items.count >= 3, items[0].tag == 0x02 else {
            return nil
        }
        let fingerprint = digest(der)
        // PKCS#1 RSA: version, modulus, publicExponent, privateExponent, ...
        if items.count >= 9, items[1].tag == 0x02, items[2].tag == 0x02 {
            return KeyMaterial(
                kind: .privateKey, file: file, encoding: "der", algorithm: "RSA", bits: integerBits(items[1].content), encrypted: false,
                fingerprint: fingerprint)
        }
        // SEC 1 EC: version 1, privateKey OCTET STRING, [0] parameters
        if items[1].tag == 0x04, declared == nil || declared == "EC" {
            return KeyMaterial(
                kind: .privateKey, file: file, encoding: "der", algorithm: "EC", bits: items[1].content.count * 8, encrypted: false,
                fingerprint: fingerprint)
        }
        // PKCS#8: version, AlgorithmIdentifier, privateKey OCTET STRING
        if items[1].tag == 0x30, items[2].tag == 0x04, let algorithm = items[1].children()?.first, algorithm.tag == 0x06,
            let oid = DER.objectIdentifier(algorithm.content)
        {
            let name = algorithmName(oid)
            var bits: Int? = nil
            if name == "RSA", let inner = DER.parse(items[2].content)?.0.children(), inner.count >= 2 { bits = integerBits(inner[1].content) }
            if name == "Ed25519" { bits = 256 }
            return KeyMaterial(
                kind: .privateKey, file: file, encoding: "der", algorithm: name, bits: bits, encrypted: false, fingerprint: fingerprint)
        }
        if declared == "DSA", items.count >= 6 {
            return KeyMaterial(
                kind: .privateKey, file: file, encoding: "der", algorithm: "DSA", bits: integerBits(items[1].content), encrypted: false,
                fingerprint: fingerprint)
        }
        return nil
    }

    /// openssh-key-v1 (OpenSSH PROTOCOL.key): magic, cipher, kdf, kdf options, key count, public keys, private section.
    static func openSSH(_ blob: Data, file: String) -> KeyMaterial {
        let reader = ByteReader(blob)
        let magic = Array("openssh-key-v1\0".utf8)
        var algorithm = "unknown"
        var encrypted = false
        var fingerprint = digest(blob)
        if reader.hasPrefix(magic) {
            var at = magic.count
            func string() -> Data? {
                let length = Int(reader.u32be(at))
                guard let value = reader.slice(at + 4, length) else { return nil }
                at += 4 + length
                return value
            }
            let cipher = string().map { String(decoding: $0, as: UTF8.self) } ?? "none"
            encrypted = cipher != "none"
            _ = string()
            _ = string()
            at += 4
            if let publicKey = string() {
                // The fingerprint ssh-keygen -l prints is SHA-256 of this public key blob; using it ties the private key to its public half.
                fingerprint = digest(publicKey)
                let keyReader = ByteReader(publicKey)
                let type = keyReader.slice(4, Int(keyReader.u32be(0))).map { String(decoding: $0, as: UTF8.self) } ?? "unknown"
                algorithm =
                    type == "ssh-rsa" ? "RSA" : type == "ssh-ed25519" ? "Ed25519" : type.hasPrefix("ecdsa") ? "EC" : type == "ssh-dss" ? "DSA" : type
            }
        }
        return KeyMaterial(
            kind: .privateKey, file: file, encoding: "openssh", algorithm: algorithm, bits: algorithm == "Ed25519" ? 256 : nil, encrypted: encrypted,
            fingerprint: fingerprint)
    }

    /// X.509 (RFC 5280 §4.1): tbsCertificate { [0] version, serial, signature, issuer, validity, subject, spki, … }.
    static func certificate(_ der: Data, file: String) -> KeyMaterial? {
        guard let (root, _) = DER.parse(der), root.tag == 0x30, let parts = root.children(), parts.count == 3, parts[0].tag == 0x30,
            var tbs = parts[0].children()
        else { return nil }
        if tbs.first?.tag == 0xa0 { tbs.removeFirst() }
        guard tbs.count >= 6, tbs[3].tag == 0x30, let validity = tbs[3].children(), validity.count == 2, let notAfter = DER.time(validity[1]),
            let spki = tbs[5].children(), spki.count == 2, let algorithmOID = spki[0].children()?.first.flatMap({ DER.objectIdentifier($0.content) })
        else { return nil }
        let algorithm = algorithmName(algorithmOID)
        var bits: Int?
        if algorithm == "RSA", spki[1].tag == 0x03, let key = DER.parse(spki[1].content.dropFirst())?.0.children(), let modulus = key.first {
            bits = integerBits(modulus.content)
        } else if algorithm == "EC" {
            bits = max(0, (spki[1].content.count - 2) / 2) * 8
        }
        let signature = parts[1].children()?.first.flatMap { DER.objectIdentifier($0.content) }.map(signatureName)
        return KeyMaterial(
            kind: .certificate, file: file, encoding: "der", algorithm: algorithm, bits: bits, encrypted: false, fingerprint: digest(der),
            subject: commonName(tbs[4]), notAfter: notAfter, signatureAlgorithm: signature)
    }

    private static func integerBits(_ content: Data) -> Int {
        let trimmed = content.drop { $0 == 0 }
        guard let first = trimmed.first else { return 0 }
        return (trimmed.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }

    private static func algorithmName(_ oid: String) -> String {
        switch oid {
        case "1.2.840.113549.1.1.1": "RSA"
        case "1.2.840.10045.2.1": "EC"
        case "1.2.840.10040.4.1": "DSA"
        case "1.3.101.112": "Ed25519"
        case "1.3.101.110": "X25519"
        default: oid
        }
    }

    private static func signatureName(_ oid: String) -> String {
        switch oid {
        case "1.2.840.113549.1.1.2": "md2WithRSAEncryption"
        case "1.2.840.113549.1.1.4": "md5WithRSAEncryption"
        case "1.2.840.113549.1.1.5": "sha1WithRSAEncryption"
        case "1.2.840.113549.1.1.11": "sha256WithRSAEncryption"
        case "1.2.840.113549.1.1.12": "sha384WithRSAEncryption"
        case "1.2.840.113549.1.1.13": "sha512WithRSAEncryption"
        case "1.2.840.10045.4.1": "sha1WithECDSA"
        case "1.2.840.10045.4.3.2": "sha256WithECDSA"
        case "1.2.840.10045.4.3.3": "sha384WithECDSA"
        case "1.3.101.112": "Ed25519"
        default: oid
        }
    }

    /// The subject's commonName (OID 2.5.4.3), when it has one.
    private static func commonName(_ name: DER.Node) -> String? {
        for set in name.children() ?? [] {
            for attribute in set.children() ?? [] {
                guard let pair = attribute.children(), pair.count == 2, DER.objectIdentifier(pair[0].content) == "2.5.4.3" else { continue }
                return "CN=" + String(decoding: pair[1].content, as: UTF8.self)
            }
        }
        return nil
    }
}
