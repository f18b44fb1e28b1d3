import Foundation

/// Whether an image carries a signature Bulwark recognises, and whether its bytes look encrypted.
public struct ImageIntegrity: Hashable, Sendable, Codable {
    /// The signature formats seen, e.g. `OpenWrt fwtool signature (ucert)`, `CMS/PKCS #7 signed data`.
    public var signatures: [String]
    /// Shannon entropy of the whole image, bits per byte (8 is random).
    public var entropy: Double
    /// Share of 64 KiB blocks whose entropy is above 7.9 bits per byte.
    public var highEntropyShare: Double
    /// Encrypted or of unknown format: nearly every block is random-looking and no container was recognised.
    public var looksEncrypted: Bool
    /// The detached signature check, when a public key was given.
    public var verification: SignatureVerifier.Verification? = nil

    /// Whether the image is signed: a recognised embedded signature, or a detached one that verified.
    public var isSigned: Bool { !signatures.isEmpty || verification?.valid == true }

    /// Examines the raw image; `unpackedFiles` is how many entries unpacking produced.
    public static func examine(_ image: Data, unpackedFiles: Int, containersFound: Bool) -> ImageIntegrity {
        var signatures: [String] = []
        let tail = image.suffix(256 * 1024)
        // OpenWrt fwtool appends metadata and signature blocks tagged "FWx0" (trailer magic) with a "ucert" signature.
        if ComponentScanner.occurrences(of: Data("FWx0".utf8), in: tail, limit: 1).count > 0 {
            signatures.append(
                ComponentScanner.occurrences(of: Data("ucert".utf8), in: tail, limit: 1).isEmpty
                    ? "OpenWrt fwtool metadata" : "OpenWrt fwtool signature (ucert)")
        }
        // CMS SignedData content type, OID 1.2.840.113549.1.7.2 (RFC 5652 §5.1), as DER.
        let signedData = Data([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02])
        if !ComponentScanner.occurrences(of: signedData, in: tail, limit: 1).isEmpty { signatures.append("CMS/PKCS #7 signed data") }
        // Android Verified Boot footer and vbmeta ("AVBf", "AVB0"); U-Boot FIT images carry "signature" nodes.
        if !ComponentScanner.occurrences(of: Data("AVB0".utf8), in: image, limit: 1).isEmpty || tail.suffix(64).starts(with: Data("AVBf".utf8)) {
            signatures.append("Android Verified Boot")
        }
        if !ComponentScanner.occurrences(of: Data("-----BEGIN PGP SIGNATURE-----".utf8), in: tail, limit: 1).isEmpty {
            signatures.append("OpenPGP signature")
        }
        let (entropy, share) = Self.entropy(image)
        return ImageIntegrity(
            signatures: signatures, entropy: entropy, highEntropyShare: share, looksEncrypted: !containersFound && share > 0.9 && unpackedFiles <= 1)
    }

    static func entropy(_ data: Data) -> (whole: Double, highShare: Double) {
        guard !data.isEmpty else { return (0, 0) }
        var total = [Int](repeating: 0, count: 256)
        var high = 0
        var blocks = 0
        let blockSize = 64 * 1024
        var start = data.startIndex
        while start < data.endIndex {
            let end = min(start + blockSize, data.endIndex)
            var counts = [Int](repeating: 0, count: 256)
            for byte in data[start..<end] { counts[Int(byte)] += 1 }
            for index in 0..<256 { total[index] += counts[index] }
            if end - start >= 4096, shannon(counts, end - start) > 7.9 { high += 1 }
            blocks += 1
            start = end
        }
        return (shannon(total, data.count), Double(high) / Double(blocks))
    }

    private static func shannon(_ counts: [Int], _ size: Int) -> Double {
        var value = 0.0
        for count in counts where count > 0 {
            let p = Double(count) / Double(size)
            value -= p * log2(p)
        }
        return value
    }
}
