import Foundation

/// BusyBox's compiled-in applets: the links installed to it, and the applet-name table in the binary (a sorted run of
/// NUL-terminated names that starts with `[` and `[[` when the test applet is built in).
enum BusyBoxApplets {
    static func applets(in tree: FileTree, evidence files: [String]) -> [String] {
        var applets = Set<String>()
        let binaries = Set(files)
        for file in tree.sortedFiles where file.kind == .symlink {
            guard let target = file.linkTarget, let resolved = PathRules.resolveLink(target, from: file.path) else { continue }
            if binaries.contains(resolved) || target.hasSuffix("busybox") { applets.insert(file.name) }
        }
        for path in binaries {
            guard let binary = tree[path] else { continue }
            applets.formUnion(table(in: binary.content))
        }
        return applets.sorted()
    }

    static func table(in content: Data) -> [String] {
        let marker = Data([0, 0x5b, 0, 0x5b, 0x5b, 0])  // "\0[\0[[\0"
        guard let start = ComponentScanner.occurrences(of: marker, in: content, limit: 1).first else { return [] }
        var names: [String] = ["[", "[["]
        var current: [UInt8] = []
        var index = content.startIndex + start + marker.count
        while index < content.endIndex, names.count < 600 {
            let byte = content[index]
            index += 1
            if byte == 0 {
                guard !current.isEmpty else { break }
                names.append(String(decoding: current, as: UTF8.self))
                current.removeAll()
            } else if (0x61...0x7a).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2d || byte == 0x5f || byte == 0x2e {
                current.append(byte)
            } else {
                break
            }
        }
        return names
    }
}
