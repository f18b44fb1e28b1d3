import Foundation
import Testing

/// `bulwark firmware lineage`, the blast radius that follows a trunk binary, and the HTML report, on images the test
/// builds: a camera and a smart plug of the demo's trunk sharing a library byte for byte and a rebuilt BusyBox.
@Suite struct FirmwareLineageCommandTests {
    /// Pseudo-random bytes from a seed (xorshift64), the same on every run.
    static func bytes(seed: UInt64, count: Int) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            out.append(UInt8(truncatingIfNeeded: state >> 24))
        }
        return Data(out)
    }

    static let elf = Data([0x7f, 0x45, 0x4c, 0x46])

    /// A cpio.gz root with `/lib/libc.so.1` and `/bin/busybox`; `banner` puts BusyBox's version string in the binary,
    /// `edit` flips bytes in its body as a rebuild would.
    static func buildImage(in directory: URL, banner: Bool, edit: Bool, extra: [String: Data] = [:]) throws -> String {
        let root = directory.appendingPathComponent("root")
        func write(_ path: String, _ content: Data, mode: Int) throws {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        }
        try write("lib/libc.so.1", elf + bytes(seed: 1, count: 40_000), mode: 0o755)
        var body = Array(bytes(seed: 2, count: 100_000))
        if edit { for offset in 0..<8 { body[50_000 + offset] ^= 0x5A } }
        var busybox = elf + Data(body)
        if banner { busybox.append(Data("\0BusyBox v1.33.2 (2022-01-01 00:00:00 UTC) multi-call binary.\0".utf8)) }
        try write("bin/busybox", busybox, mode: 0o755)
        for (path, content) in extra { try write(path, content, mode: 0o644) }
        try FirmwareCommandTests.shell(
            "cd '\(root.path)' && find . | sort | cpio -o -H newc 2>/dev/null | gzip -9 > '\(directory.path)/rootfs.cpio.gz'")
        return directory.appendingPathComponent("rootfs.cpio.gz").path
    }

    @Test func tracesTheTrunkFromCameraToPlugAndIntoTheBlastRadius() throws {
        let directory = try FirmwareCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let camera = try Self.buildImage(in: directory.appendingPathComponent("camera"), banner: true, edit: false)
        let plug = try Self.buildImage(in: directory.appendingPathComponent("plug"), banner: false, edit: true)
        let cli = try MatchCommandTests.demo()
        defer { cli.remove() }
        let org = ["--org", "Lumen Devices Ltd"]
        #expect(try cli.run(["firmware", "lineage"] + org).stdout.contains("no release of Lumen Devices Ltd has been analysed"))
        for (image, product) in [(camera, "LC-200"), (plug, "LP-10")] {
            let stored = try cli.run(["firmware", "analyze", image, "--product", product, "--release", "3.0.1"] + org)
            #expect(stored.status == 0, "\(stored.stderr)")
        }

        let table = try cli.run(["firmware", "lineage"] + org)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("trunk lumen-os"))
        #expect(table.stdout.contains("  Cameras: 100% shared with the trunk's other product lines"))
        #expect(table.stdout.contains("same trunk: busybox (1.33.2) similar binary"))

        let json = try cli.run(["firmware", "lineage", "--format", "json"] + org)
        let lineage = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let trunks = try #require(lineage["trunks"] as? [[String: Any]])
        #expect(trunks.compactMap { $0["name"] as? String } == ["lumen-os"])
        let lines = try #require(trunks.first?["productLines"] as? [[String: Any]])
        #expect(lines.compactMap { $0["name"] as? String } == ["Cameras", "Smart plugs"])
        let pairs = try #require(lineage["pairs"] as? [[String: Any]])
        #expect(pairs.count == 1)
        #expect(pairs.first?["identicalFiles"] as? Int == 1)
        #expect(pairs.first?["similarBinaries"] as? Int == 1)

        let strict = try cli.run(["firmware", "lineage", "--threshold", "101"] + org)
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("--threshold must be 1 to 100"))

        let radius = try cli.run(["blast-radius", "busybox@1.33.2", "--format", "json"] + org)
        #expect(radius.status == 0, "\(radius.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(radius.stdout.utf8)) as? [String: Any])
        let relatives = try #require(answer["trunkBinaries"] as? [[String: Any]])
        #expect(relatives.compactMap { $0["model"] as? String } == ["LP-10"])
        #expect(relatives.first?["file"] as? String == "/bin/busybox")
        #expect(relatives.first?["match"] as? String == "similar")
        #expect(relatives.first?["identifiedVersion"] == nil)
        let text = try cli.run(["blast-radius", "busybox@1.33.2"] + org)
        #expect(text.stdout.contains("same trunk binary, by digest"))
        #expect(text.stdout.contains("Smart plugs Lumen Plug LP-10 3.0.1: /bin/busybox similar to busybox"))

        #expect(try cli.run(["org", "create", "Rival Cameras plc", "--kind", "manufacturer"]).status == 0)
        #expect(try cli.run(["firmware", "lineage", "--org", "Rival Cameras plc"]).stdout.contains("no release of Rival Cameras plc"))
    }

    @Test func writesJSONAndASelfContainedEscapedHTMLReport() throws {
        let directory = try FirmwareCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let hostile = "www/x\"><script>alert('owned')</script>.cgi".replacingOccurrences(of: "</script>", with: "<script>")
        let image = try Self.buildImage(
            in: directory, banner: true, edit: false, extra: [hostile: Data("<img src=x onerror=alert(1)>".utf8)])
        let json = directory.appendingPathComponent("report.json").path
        let html = directory.appendingPathComponent("report.html").path
        let result = try BulwarkProcess.make().run(["firmware", "analyze", image, "--json", json, "--html", html], withDatabase: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "no progress line when standard error is not a terminal")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let fingerprints = try #require(report["fingerprints"] as? [[String: Any]])
        #expect(fingerprints.first { $0["path"] as? String == "/bin/busybox" }?["component"] as? String == "busybox")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.hasPrefix("<!doctype html>"))
        #expect(page.contains("<code>/www/x&quot;&gt;&lt;script&gt;alert(&#39;owned&#39;)&lt;script&gt;.cgi</code>"))
        #expect(!page.contains("<script"))
        #expect(!page.contains("<img"))
        #expect(!page.contains("<link"), "styles are inline: the page is self-contained")
        #expect(!page.contains("http://") && !page.contains("https://"))
        #expect(page.contains("<td>busybox</td><td>1.33.2</td>"))
    }
}
