import BulwarkCore
internal import Crypto
import Foundation

/// Runs every inspection over an image or root directory: unpacking, credentials, components, keys, services and
/// hardening, image integrity.
public struct FirmwareAnalyzer: Sendable {
    public var unpacker: Unpacker
    public var credentials: CredentialScanner
    public var components: ComponentScanner
    public var keys: KeyScanner
    public var hardening: HardeningScanner

    public init(limits: UnpackLimits = UnpackLimits(), dictionary: CredentialDictionary = .builtIn, signatures: ComponentSignatureSet = .builtIn) {
        unpacker = Unpacker(limits: limits)
        credentials = CredentialScanner(dictionary: dictionary)
        components = ComponentScanner(signatures: signatures)
        keys = KeyScanner()
        hardening = HardeningScanner()
    }

    /// The steps an analysis goes through, reported to `progress` as they start.
    public enum Step: String, Sendable {
        case unpacking = "unpacking"
        case credentials = "checking credentials"
        case components = "identifying components"
        case keys = "looking for keys and certificates"
        case hardening = "checking services and hardening"
        case fingerprints = "fingerprinting files"
    }

    /// A detached signature to check over the image with the manufacturer's public key.
    public struct SignatureCheck: Sendable {
        public var signature: Data
        public var publicKeyPEM: String
        public var keyFile: String

        public init(signature: Data, publicKeyPEM: String, keyFile: String) {
            self.signature = signature
            self.publicKeyPEM = publicKeyPEM
            self.keyFile = keyFile
        }
    }

    /// Analyses the image file or root directory at `path`; `now` dates the report and judges certificate expiry.
    public func analyze(
        path: String, now: Date, signature: SignatureCheck? = nil, progress: (Step) -> Void = { _ in }
    ) throws(FirmwareError)
        -> FirmwareReport
    {
        progress(.unpacking)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let tree = try unpacker.unpack(path: path)
        let raw = isDirectory.boolValue ? Data() : (FileManager.default.contents(atPath: path) ?? Data())
        let name = URL(fileURLWithPath: path).lastPathComponent
        var verification: SignatureVerifier.Verification?
        if let signature {
            guard !isDirectory.boolValue else { throw FirmwareError(file: path, "is a directory; only an image file carries a signature") }
            verification = try SignatureVerifier.verify(
                image: raw, signature: signature.signature, publicKeyPEM: signature.publicKeyPEM, keyFile: signature.keyFile)
        }
        return analyze(tree, image: name, raw: raw, isDirectory: isDirectory.boolValue, now: now, verification: verification, progress: progress)
    }

    /// Analyses an already unpacked tree; `raw` is the image's bytes (empty for a directory).
    public func analyze(
        _ tree: FileTree, image: String, raw: Data, isDirectory: Bool, now: Date, verification: SignatureVerifier.Verification? = nil,
        progress: (Step) -> Void = { _ in }
    ) -> FirmwareReport {
        progress(.credentials)
        let credentialResult = credentials.scan(tree)
        progress(.components)
        let found = components.scan(tree)
        progress(.keys)
        let keyResult = keys.scan(tree, now: now)
        progress(.hardening)
        let hardeningResult = hardening.scan(tree)
        progress(.fingerprints)
        let fingerprints = FileFingerprint.all(in: tree, components: found)
        let containers = Set(tree.files.values.map(\.extractor)).subtracting(["raw"]).isEmpty == false
        var integrity =
            isDirectory
            ? ImageIntegrity(signatures: [], entropy: 0, highEntropyShare: 0, looksEncrypted: false)
            : ImageIntegrity.examine(raw, unpackedFiles: tree.files.count, containersFound: containers)
        integrity.verification = verification
        var findings = credentialResult.findings + keyResult.findings + hardeningResult.findings
        if let verification, !verification.valid {
            findings.append(
                FirmwareFinding(
                    rule: "image.signature-invalid", severity: .critical, title: "Image signature does not verify", file: nil,
                    evidence: "the detached signature does not match the image under the given \(verification.algorithm) public key; "
                        + "the image was altered or signed with another key",
                    provision: "5.3-10"))
        } else if !isDirectory, verification == nil {
            if integrity.looksEncrypted {
                findings.append(
                    FirmwareFinding(
                        rule: "image.encrypted", severity: .info, title: "Image is encrypted or of an unknown format", file: nil,
                        evidence: String(
                            format: "entropy %.3f bits per byte; %.0f%% of 64 KiB blocks above 7.9; no container recognised", integrity.entropy,
                            integrity.highEntropyShare * 100),
                        provision: nil))
            } else if integrity.signatures.isEmpty {
                findings.append(
                    FirmwareFinding(
                        rule: "image.unsigned", severity: .medium, title: "Image carries no recognised signature", file: nil,
                        evidence:
                            "no OpenWrt fwtool, CMS/PKCS #7, Android Verified Boot or OpenPGP signature found; devices cannot tell a genuine update from a forged one",
                        provision: "5.3-10"))
            }
        }
        for refusal in tree.refusals {
            findings.append(
                FirmwareFinding(
                    rule: refusal.reason.contains("leaves the extraction root") ? "unpack.path-escape" : "unpack.refused",
                    severity: refusal.reason.contains("leaves") ? .medium : .info,
                    title: refusal.reason.contains("leaves")
                        ? "Archive member points outside the extraction root" : "Part of the image was not unpacked",
                    file: refusal.entry, evidence: refusal.description))
        }
        findings.sort { ($0.severity, $1.location) > ($1.severity, $0.location) }
        let files = tree.sortedFiles
        var byExtractor: [String: Int] = [:]
        for file in files { byExtractor[file.extractor, default: 0] += 1 }
        let digestSource =
            isDirectory ? Data(files.map { "\($0.path)\t\(Self.hex(SHA256.hash(data: $0.content)))" }.joined(separator: "\n").utf8) : raw
        return FirmwareReport(
            image: image, sha256: Self.hex(SHA256.hash(data: digestSource)),
            size: isDirectory ? files.reduce(0) { $0 + $1.content.count } : raw.count,
            analysedAt: now,
            extraction: .init(
                entries: files.count, regularFiles: files.filter { $0.kind == .file }.count, bytes: files.reduce(0) { $0 + $1.content.count },
                byExtractor: byExtractor, refusals: tree.refusals),
            files: files.map {
                .init(
                    path: $0.path, kind: $0.kind, mode: String($0.mode, radix: 8), size: $0.content.count, extractor: $0.extractor,
                    origin: $0.origin.joined(separator: " > "))
            },
            fingerprints: fingerprints,
            accounts: credentialResult.accounts, components: found, keys: keyResult.keys, integrity: integrity,
            updateMechanism: hardeningResult.updateMechanism, findings: findings, signatureSetVersion: components.signatures.version)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String { digest.map { String(format: "%02x", $0) }.joined() }
}
