import Foundation

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Identifies components from version strings in binaries and kernel images, from file names, from package databases
/// (opkg and dpkg status, apk installed) and from `/lib/modules`.
public struct ComponentScanner: Sendable {
    public var signatures: ComponentSignatureSet

    public init(signatures: ComponentSignatureSet = .builtIn) {
        self.signatures = signatures
    }

    public func scan(_ tree: FileTree) -> [IdentifiedComponent] {
        var found: [String: IdentifiedComponent] = [:]
        func record(
            _ signature: ComponentSignature?, name: String, version: String, type: String, purl: String, cpe: String?,
            evidence: IdentifiedComponent.Evidence
        ) {
            let key = "\(signature?.name ?? name)@\(version)"
            if found[key] == nil {
                found[key] = IdentifiedComponent(name: signature?.name ?? name, version: version, type: type, purl: purl, cpe: cpe, evidence: [])
            }
            if !found[key]!.evidence.contains(evidence) { found[key]!.evidence.append(evidence) }
        }
        for file in tree.regularFiles {
            let binary = Self.isBinaryCandidate(file)
            let script = file.name.hasSuffix(".js")
            // Every anchor of every wanted signature, found in one pass over the file.
            let anchored = binary || script ? Self.anchorMatches(in: file.content, signatures: signatures, binary: binary, script: script) : [:]
            var printableStrings: [String]?
            for (number, compiled) in signatures.compiled.enumerated() {
                let signature = compiled.signature
                if let names = compiled.fileNames, let version = Self.firstCapture(names, in: file.name) {
                    record(
                        signature, name: signature.name, version: version, type: signature.type, purl: signature.purl(version: version),
                        cpe: signature.cpe(version: version), evidence: .init(method: "file-name", file: file.path, detail: file.name))
                }
                let wanted = signature.scope == "script" ? script : binary
                guard wanted else { continue }
                for pattern in compiled.patterns.indices {
                    guard let match = anchored[AnchorIndex.Pattern(signature: number, pattern: pattern)] else { continue }
                    record(
                        signature, name: signature.name, version: match.version, type: signature.type, purl: signature.purl(version: match.version),
                        cpe: signature.cpe(version: match.version),
                        evidence: .init(method: "binary-signature", file: file.path, detail: match.detail))
                }
                if let (requires, regex) = compiled.strings, !Self.occurrences(of: requires, in: file.content, limit: 1).isEmpty {
                    if printableStrings == nil { printableStrings = Self.strings(in: file.content) }
                    for text in printableStrings ?? [] {
                        guard let version = Self.firstCapture(regex, in: text, anchored: true) else { continue }
                        record(
                            signature, name: signature.name, version: version, type: signature.type, purl: signature.purl(version: version),
                            cpe: signature.cpe(version: version), evidence: .init(method: "binary-signature", file: file.path, detail: text))
                        break
                    }
                }
            }
        }
        for package in PackageDatabase.packages(in: tree) {
            let signature = signatures.signature(forPackage: package.name)
            let upstream = PackageDatabase.upstreamVersion(package.version)
            let cpe = signature.map { $0.cpe(version: upstream) }
            let name = signature?.name ?? package.name
            let version = signature == nil ? package.version : upstream
            record(
                signature, name: name, version: version, type: signature?.type ?? "library", purl: package.purl, cpe: cpe,
                evidence: .init(method: "package-database", file: package.file, detail: "\(package.name) \(package.version)"))
        }
        if let linux = signatures.compiled.first(where: { $0.signature.name == "linux" })?.signature {
            for file in tree.sortedFiles where file.kind == .directory {
                let parts = file.path.split(separator: "/")
                guard parts.count == 3, parts[0] == "lib", parts[1] == "modules" else { continue }
                let release = String(parts[2])
                guard let version = release.split(whereSeparator: { $0 == "-" || $0 == "+" }).first.map(String.init),
                    version.split(separator: ".").count >= 2, version.allSatisfy({ $0.isNumber || $0 == "." })
                else { continue }
                record(
                    linux, name: "linux", version: version, type: linux.type, purl: linux.purl(version: version), cpe: linux.cpe(version: version),
                    evidence: .init(method: "kernel-modules", file: file.path, detail: "modules for kernel \(release)"))
            }
        }
        var components = found.values.sorted { ($0.name, $0.version) < ($1.name, $1.version) }
        for index in components.indices where components[index].name == "busybox" {
            components[index].applets = BusyBoxApplets.applets(in: tree, evidence: components[index].evidence.map(\.file))
        }
        return components
    }

    /// ELF executables and libraries, kernel modules, and raw payloads from image headers (kernels, boot loaders).
    static func isBinaryCandidate(_ file: FirmwareFile) -> Bool {
        let content = file.content
        guard content.count >= 16 else { return false }
        if content.starts(with: [0x7f, 0x45, 0x4c, 0x46]) { return true }
        if file.extractor != "tar" && file.extractor != "zip" && file.extractor.hasPrefix("cpio") == false && file.extractor != "unsquashfs"
            && file.extractor != "debugfs" && file.extractor != "directory"
        {
            return true  // a payload peeled from a header or decompressed stream: a kernel or boot loader image
        }
        let name = file.name
        return name.hasPrefix("vmlinu") || name.hasPrefix("zImage") || name.hasPrefix("uImage") || name.hasPrefix("bzImage") || name.hasSuffix(".ko")
            || name.hasSuffix(".bin")
    }

    /// Offsets where `needle` occurs, at most `limit` of them.
    static func occurrences(of needle: Data, in haystack: Data, limit: Int) -> [Int] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return [] }
        var offsets: [Int] = []
        haystack.withUnsafeBytes { (hay: UnsafeRawBufferPointer) in
            needle.withUnsafeBytes { (pin: UnsafeRawBufferPointer) in
                guard let hayBase = hay.baseAddress, let pinBase = pin.baseAddress else { return }
                let first = Int32(pin[0])
                var start = 0
                // memchr finds candidates for the first byte; memcmp confirms the rest.
                while offsets.count < limit, start <= hay.count - pin.count,
                    let hit = memchr(hayBase + start, first, hay.count - pin.count + 1 - start)
                {
                    let offset = hayBase.distance(to: UnsafeRawPointer(hit))
                    if memcmp(hit, pinBase, pin.count) == 0 { offsets.append(offset) }
                    start = offset + 1
                }
            }
        }
        return offsets
    }

    /// Up to `length` bytes from `offset` as text, with every non-printable byte turned into a line break.
    static func printable(_ data: Data, from offset: Int, length: Int) -> String {
        let start = data.startIndex + offset
        let end = min(data.endIndex, start + length)
        let bytes = data[start..<end].map { (0x20...0x7e).contains($0) ? $0 : 0x0a }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Printable ASCII runs of at least four characters, as `strings(1)` shows them.
    static func strings(in data: Data) -> [String] {
        var result: [String] = []
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var start = 0
            for index in 0...bytes.count {
                if index < bytes.count, (0x20...0x7e).contains(bytes[index]) { continue }
                if index - start >= 4 { result.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)) }
                start = index + 1
            }
        }
        return result
    }

    /// For each wanted (signature, pattern), the first of up to 4,096 occurrences of its anchor whose following text
    /// the pattern's expression reads a version from, with that text's first line.
    ///
    /// One pass over the file: each position's first two bytes are looked up in `AnchorIndex`'s bitmap, and only the
    /// anchors that begin with them are compared. Searching each anchor separately cost one pass per anchor (about 80).
    static func anchorMatches(
        in content: Data, signatures: ComponentSignatureSet, binary: Bool, script: Bool
    ) -> [AnchorIndex.Pattern: (version: String, detail: String)] {
        let index = signatures.anchors
        var matches: [AnchorIndex.Pattern: (version: String, detail: String)] = [:]
        var tries: [AnchorIndex.Pattern: Int] = [:]
        content.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            guard bytes.count >= 2, let base = bytes.baseAddress else { return }
            index.bitmap.withUnsafeBufferPointer { bitmap in
                var offset = 0
                let last = bytes.count - 1
                while offset < last {
                    let key = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
                    if bitmap[key >> 6] & (1 << UInt64(key & 63)) != 0 {
                        for candidate in index.byPrefix[UInt16(key)] ?? [] {
                            let wanted = signatures.compiled[candidate.pattern.signature].signature.scope == "script" ? script : binary
                            guard wanted, matches[candidate.pattern] == nil, tries[candidate.pattern, default: 0] < 4096,
                                candidate.anchor.count <= bytes.count - offset,
                                candidate.anchor.withUnsafeBytes({ memcmp(base + offset, $0.baseAddress!, $0.count) == 0 })
                            else { continue }
                            tries[candidate.pattern, default: 0] += 1
                            let window = Self.printable(content, from: offset, length: 200)
                            let regex = signatures.compiled[candidate.pattern.signature].patterns[candidate.pattern.pattern].regex
                            guard let version = Self.firstCapture(regex, in: window, anchored: true) else { continue }
                            matches[candidate.pattern] = (version, String(window.prefix(80).split(separator: "\n").first ?? ""))
                        }
                    }
                    offset += 1
                }
            }
        }
        return matches
    }

    static func firstCapture(_ regex: NSRegularExpression, in text: String, anchored: Bool = false) -> String? {
        let range = NSRange(text.startIndex..., in: text)
        guard let match = regex.firstMatch(in: text, options: anchored ? [.anchored] : [], range: range),
            let capture = Range(match.range(at: 1), in: text)
        else { return nil }
        return String(text[capture])
    }
}
