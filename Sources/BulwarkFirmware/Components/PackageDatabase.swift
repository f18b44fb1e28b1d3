import Foundation

/// Installed packages as the image's package manager recorded them: opkg (`/usr/lib/opkg/status`, OpenWrt),
/// dpkg (`/var/lib/dpkg/status`, Debian) and apk (`/lib/apk/db/installed`, Alpine). Each is RFC 822-style stanzas.
enum PackageDatabase {
    struct Package: Hashable {
        var name: String
        var version: String
        var file: String
        var purl: String
    }

    static func packages(in tree: FileTree) -> [Package] {
        var packages: [Package] = []
        let distribution = osReleaseID(tree)
        for file in tree.regularFiles {
            switch file.path {
            case let path where path.hasSuffix("/opkg/status") || path.hasSuffix("/var/lib/opkg/status"):
                packages += stanzas(file).compactMap { fields in
                    guard let name = fields["Package"], let version = fields["Version"], installed(fields) else { return nil }
                    return Package(name: name, version: version, file: file.path, purl: "pkg:generic/\(name)@\(PackageURLText.encode(version))")
                }
            case let path where path.hasSuffix("/var/lib/dpkg/status"):
                packages += stanzas(file).compactMap { fields in
                    guard let name = fields["Package"], let version = fields["Version"], installed(fields) else { return nil }
                    let arch = fields["Architecture"].map { "?arch=\($0)" } ?? ""
                    return Package(
                        name: name, version: version, file: file.path,
                        purl: "pkg:deb/\(distribution ?? "debian")/\(name)@\(PackageURLText.encode(version))\(arch)")
                }
            case let path where path.hasSuffix("/lib/apk/db/installed"):
                packages += stanzas(file, separator: ":").compactMap { fields in
                    guard let name = fields["P"], let version = fields["V"] else { return nil }
                    let arch = fields["A"].map { "?arch=\($0)" } ?? ""
                    return Package(
                        name: name, version: version, file: file.path,
                        purl: "pkg:apk/\(distribution ?? "alpine")/\(name)@\(PackageURLText.encode(version))\(arch)")
                }
            default: continue
            }
        }
        return packages
    }

    private static func installed(_ fields: [String: String]) -> Bool {
        guard let status = fields["Status"] else { return true }
        return status.hasSuffix(" installed")
    }

    /// `Key: value` stanzas separated by blank lines; continuation lines (starting with a space) are skipped.
    static func stanzas(_ file: FirmwareFile, separator: Character = ":") -> [[String: String]] {
        var result: [[String: String]] = []
        var current: [String: String] = [:]
        for line in String(decoding: file.content, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !current.isEmpty { result.append(current) }
                current = [:]
                continue
            }
            if line.first == " " || line.first == "\t" { continue }
            guard let colon = line.firstIndex(of: separator) else { continue }
            current[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// The upstream part of a distribution version: no epoch (`1:`), no packaging revision (`-3+deb12u1`, `-r2`).
    static func upstreamVersion(_ version: String) -> String {
        var text = Substring(version)
        if let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy(\.isNumber) { text = text[text.index(after: colon)...] }
        if let dash = text.lastIndex(of: "-") { text = text[..<dash] }
        return String(text)
    }

    private static func osReleaseID(_ tree: FileTree) -> String? {
        guard let file = tree.resolve("/etc/os-release") ?? tree.resolve("/usr/lib/os-release") else { return nil }
        for line in String(decoding: file.content, as: UTF8.self).split(separator: "\n") where line.hasPrefix("ID=") {
            return line.dropFirst(3).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return nil
    }
}
