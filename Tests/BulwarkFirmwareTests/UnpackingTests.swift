import BulwarkCore
import Foundation
import Testing

@testable import BulwarkFirmware

@Suite struct UnpackingTests {
    /// A small root file system: an account file, a setuid binary, a symlink, an init script.
    static func plantRoot(_ bench: Workbench, at root: String = "root") throws {
        try bench.write("\(root)/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        try bench.write("\(root)/bin/busybox", elf(["BusyBox v1.36.1 (2023-07-01 00:00:00 UTC) multi-call binary."]), mode: 0o4755)
        try bench.symlink("\(root)/bin/sh", to: "busybox")
        try bench.write("\(root)/etc/init.d/rcS", "#!/bin/sh\nmount -a\n", mode: 0o755)
    }

    static func unpack(_ path: String, limits: UnpackLimits = UnpackLimits()) throws -> FileTree {
        try Unpacker(limits: limits).unpack(path: path)
    }

    @Test(arguments: ["ustar", "gnu", "pax"])
    func readsTarFormatsWithLongNamesLinksAndModes(format: String) throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try Self.plantRoot(bench)
        let long = String(repeating: "deep/", count: 30) + "file.txt"
        try bench.write("root/\(long)", "long name\n")
        try bench.run("tar", ["--format=\(format)", "-C", "root", "-cf", "image.tar", "."])
        let tree = try Self.unpack(bench.path("image.tar"))
        #expect(tree["/etc/passwd"]?.content == Data("root:x:0:0:root:/root:/bin/sh\n".utf8))
        #expect(tree["/etc/passwd"]?.extractor == "tar")
        #expect(tree["/bin/busybox"]?.mode == 0o4755)
        #expect(tree["/bin/sh"]?.kind == .symlink)
        #expect(tree["/bin/sh"]?.linkTarget == "busybox")
        #expect(tree.resolve("/bin/sh")?.path == "/bin/busybox")
        #expect(tree["/" + long]?.content == Data("long name\n".utf8))
        #expect(tree.refusals.isEmpty)
    }

    @Test(arguments: ["newc", "odc"])
    func readsCPIOArchives(format: String) throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try Self.plantRoot(bench)
        let list = try Workbench.text("sh", ["-c", "cd '\(bench.path("root"))' && find . | sort"])
        try Workbench.run("cpio", ["-o", "-H", format, "-D", bench.path("root"), "-F", bench.path("image.cpio")], input: Data((list + "\n").utf8))
        let tree = try Self.unpack(bench.path("image.cpio"))
        #expect(tree["/etc/init.d/rcS"]?.content == Data("#!/bin/sh\nmount -a\n".utf8))
        #expect(tree["/etc/init.d/rcS"]?.extractor == "cpio-\(format)")
        #expect(tree["/bin/busybox"]?.isSetUID == true)
        #expect(tree["/bin/sh"]?.linkTarget == "busybox")
    }

    @Test(arguments: [("gzip", "-9"), ("xz", "-6"), ("bzip2", "-9"), ("lzma", "-6")])
    func peelsCompressionAroundAnArchive(tool: String, level: String) throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try Self.plantRoot(bench)
        try bench.run("tar", ["-C", "root", "-cf", "rootfs.tar", "."])
        try bench.run(tool, [level, "-k", "rootfs.tar"])
        let suffix = ["gzip": "gz", "xz": "xz", "bzip2": "bz2", "lzma": "lzma"][tool]!
        let tree = try Self.unpack(bench.path("rootfs.tar.\(suffix)"))
        let passwd = try #require(tree["/etc/passwd"])
        #expect(passwd.origin == ["rootfs.tar.\(suffix)", tool])
        #expect(passwd.provenance == "rootfs.tar.\(suffix) > \(tool) > tar")
    }

    @Test func readsSquashFSThroughUnsquashfsKeepingOwnersSetUIDAndDevices() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try Self.plantRoot(bench)
        try FileManager.default.createDirectory(atPath: bench.path("root/dev"), withIntermediateDirectories: true)
        try bench.run(
            "mksquashfs", ["root", "rootfs.squashfs", "-quiet", "-noappend", "-all-root", "-comp", "xz", "-p", "/dev/console c 600 0 0 5 1"])
        let tree = try Self.unpack(bench.path("rootfs.squashfs"))
        let busybox = try #require(tree["/bin/busybox"])
        #expect(busybox.extractor == "unsquashfs")
        #expect(busybox.mode == 0o4755)
        #expect(busybox.uid == 0)
        #expect(tree["/dev/console"]?.kind == .device)
        #expect(tree["/bin/sh"]?.linkTarget == "busybox")
        #expect(tree["/etc/passwd"]?.origin == ["rootfs.squashfs", "squashfs"])
    }

    @Test func readsExtImagesThroughDebugfsWithSetUIDBits() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try Self.plantRoot(bench)
        try bench.run("mke2fs", ["-q", "-t", "ext4", "-d", "root", "rootfs.ext4", "4M"])
        let tree = try Self.unpack(bench.path("rootfs.ext4"))
        #expect(tree["/etc/passwd"]?.extractor == "debugfs")
        #expect(tree["/bin/busybox"]?.mode == 0o4755, "rdump loses the bit; the debugfs listing restores it")
        #expect(tree["/bin/sh"]?.kind == .symlink)
        #expect(tree["/lost+found"] == nil)
    }

    @Test func peelsUImageAndTRXHeadersToKernelAndRootFileSystem() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try Self.plantRoot(bench)
        try bench.run("mksquashfs", ["root", "rootfs.squashfs", "-quiet", "-noappend", "-all-root"])
        try bench.write("vmlinux", elf(["Linux version 4.14.221 (builder@buildhost) (gcc version 7.5.0) #1 SMP"]))
        try bench.run("gzip", ["-9", "-k", "vmlinux"])
        let kernel = uImage(try Data(contentsOf: URL(fileURLWithPath: bench.path("vmlinux.gz"))), name: "Linux-4.14.221", compression: 1)
        let image = trx([kernel, try Data(contentsOf: URL(fileURLWithPath: bench.path("rootfs.squashfs")))])
        try bench.write("router.trx", image)
        let tree = try Self.unpack(bench.path("router.trx"))
        #expect(tree["/bin/busybox"]?.origin == ["router.trx", "trx partition 2", "squashfs"])
        let kernelFile = try #require(tree.regularFiles.first { $0.content.range(of: Data("Linux version 4.14.221".utf8)) != nil })
        #expect(kernelFile.origin == ["router.trx", "trx partition 1", "uImage \"Linux-4.14.221\"", "gzip"])
    }

    @Test func rejectsAUImageWhosePayloadCRCIsWrong() throws {
        var image = uImage(Data("payload bytes that will be damaged".utf8), name: "k", compression: 0)
        image[70] ^= 0xff
        #expect(throws: FirmwareError.self) { try Unpacker().unpack(image, name: "bad.uimage") }
        do {
            _ = try Unpacker().unpack(image, name: "bad.uimage")
        } catch {
            #expect(error.description == "bad.uimage: byte 64: U-Boot image payload CRC does not match; the payload is damaged")
        }
    }

    @Test func carvesAFileSystemOutOfAnUnknownBlob() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try Self.plantRoot(bench)
        try bench.run("mksquashfs", ["root", "rootfs.squashfs", "-quiet", "-noappend", "-all-root"])
        var generator = SeededBytes(seed: 7)
        var blob = Data("VENDORHDR".utf8) + generator.next(70_000)
        let offset = blob.count
        blob.append(try Data(contentsOf: URL(fileURLWithPath: bench.path("rootfs.squashfs"))))
        blob.append(generator.next(5000))
        try bench.write("vendor.bin", blob)
        let tree = try Self.unpack(bench.path("vendor.bin"))
        #expect(tree["/etc/passwd"]?.origin == ["vendor.bin", "offset 0x\(String(offset, radix: 16)) squashfs", "squashfs"])
    }

    @Test func followsNestedContainersUnderTheirOwnDirectory() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.write("inner/etc/shadow", "root::19000:0:99999:7:::\n")
        try bench.run("tar", ["-C", "inner", "-czf", "backup.tgz", "."])
        try bench.write("outer/etc/config.txt", "x\n")
        try FileManager.default.copyItem(atPath: bench.path("backup.tgz"), toPath: bench.path("outer/backup.tgz"))
        try bench.run("tar", ["-C", "outer", "-cf", "outer.tar", "."])
        let tree = try Self.unpack(bench.path("outer.tar"))
        let nested = try #require(tree["/backup.tgz.extracted/etc/shadow"])
        #expect(nested.origin == ["outer.tar", "/backup.tgz", "gzip"])
        #expect(tree["/backup.tgz"]?.kind == .file)
    }

    @Test func refusesMembersAndLinksThatLeaveTheRoot() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let script = """
            import tarfile, io
            with tarfile.open("evil.tar", "w", format=tarfile.USTAR_FORMAT) as t:
                for name, data in [("../../escape.txt", b"x"), ("etc/ok.txt", b"fine")]:
                    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
                for name, target in [("etc/up", "../../../../etc/shadow"), ("bin/sh", "/bin/busybox")]:
                    info = tarfile.TarInfo(name); info.type = tarfile.SYMTYPE; info.linkname = target; t.addfile(info)
            """
        try bench.run("python3", ["-c", script])
        let tree = try Self.unpack(bench.path("evil.tar"))
        #expect(tree["/etc/ok.txt"]?.content == Data("fine".utf8))
        #expect(tree["/bin/sh"]?.linkTarget == "/bin/busybox", "absolute targets stay inside the image's own root")
        #expect(tree["/etc/up"] == nil)
        #expect(tree.files.keys.allSatisfy { !$0.contains("..") && !$0.contains("escape") })
        #expect(tree.refusals.map(\.entry).sorted() == ["../../escape.txt", "etc/up"])
        #expect(tree.refusals.first { $0.entry == "../../escape.txt" }?.reason == "path leaves the extraction root")
    }

    @Test func refusesADecompressionBombWithinTheBudget() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.write("zeros", Data(count: 40 << 20))
        try bench.run("gzip", ["-9", "zeros"])
        let limits = UnpackLimits(maxTotalBytes: 8 << 20, maxFileBytes: 8 << 20)
        #expect(throws: FirmwareError.self) { try Self.unpack(bench.path("zeros.gz"), limits: limits) }
        do {
            _ = try Self.unpack(bench.path("zeros.gz"), limits: limits)
        } catch {
            #expect("\(error)".hasPrefix("zeros.gz: byte 0: compressed stream expands to more than 8388608 bytes; refused as a decompression bomb"))
        }
        try bench.run("xz", ["-zk", "-9", bench.path("zeros.gz")])
        try bench.write("wrapper/zeros.gz.xz", try Data(contentsOf: URL(fileURLWithPath: bench.path("zeros.gz.xz"))))
        try bench.run("tar", ["-C", "wrapper", "-cf", "wrapper.tar", "."])
        let tree = try Self.unpack(bench.path("wrapper.tar"), limits: limits)
        #expect(tree["/zeros.gz.xz"] != nil)
        #expect(tree.refusals.count == 1)
        #expect(tree.refusals.first?.reason.contains("decompression bomb") == true)
    }

    @Test func readsZipArchivesAndRefusesEscapingNames() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        let script = """
            import zipfile
            with zipfile.ZipFile("update.zip", "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("etc/passwd", "root::0:0::/root:/bin/sh\\n")
                z.writestr("www/", "")
                z.writestr("../../outside.sh", "echo escaped")
            """
        try bench.run("python3", ["-c", script])
        let tree = try Self.unpack(bench.path("update.zip"))
        #expect(tree["/etc/passwd"]?.content == Data("root::0:0::/root:/bin/sh\n".utf8))
        #expect(tree["/etc/passwd"]?.extractor == "zip")
        #expect(tree["/www"]?.kind == .directory)
        #expect(tree.refusals.map(\.entry) == ["../../outside.sh"])
    }

    @Test func stopsAtTheNestingDepthLimit() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.write("layer", "innermost\n")
        var name = "layer"
        for _ in 0..<6 {
            try bench.run("gzip", ["-f", name])
            try FileManager.default.moveItem(atPath: bench.path(name + ".gz"), toPath: bench.path(name + "x"))
            name += "x"
        }
        let tree = try Self.unpack(bench.path(name), limits: UnpackLimits(maxDepth: 3))
        #expect(tree.refusals.count == 1)
        #expect(tree.refusals.first?.reason == "nested deeper than 3 containers; not unpacked")
        let deep = try Self.unpack(bench.path(name), limits: UnpackLimits(maxDepth: 8))
        #expect(deep.regularFiles.map(\.content) == [Data("innermost\n".utf8)])
    }

    @Test func namesFileAndOffsetOfATruncatedTar() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try bench.write("root/big.bin", seeded(1, 10_000))
        try bench.run("tar", ["--format=ustar", "-C", "root", "-cf", "image.tar", "big.bin"])
        let whole = try Data(contentsOf: URL(fileURLWithPath: bench.path("image.tar")))
        let cut = whole.prefix(512 + 4000)
        #expect(throws: FirmwareError.self) { try Unpacker().unpack(Data(cut), name: "cut.tar") }
        do {
            _ = try Unpacker().unpack(Data(cut), name: "cut.tar")
        } catch {
            #expect(error.description == "cut.tar: byte 512: tar member is truncated: 10000 bytes announced, 4000 left")
        }
    }

    @Test func namesFileAndOffsetOfHostileCPIOHeaders() throws {
        var header = "070701" + String(repeating: "0", count: 8 * 11) + "FFFFFFF0" + "00000000"
        header += "name\0"
        #expect(throws: FirmwareError.self) { try Unpacker().unpack(Data(header.utf8), name: "hostile.cpio") }
        do {
            _ = try Unpacker().unpack(Data(header.utf8), name: "hostile.cpio")
        } catch {
            #expect(error.description == "hostile.cpio: byte 110: cpio member name runs past the end of the archive")
        }
        let notHex = "070701" + "00000001" + "ZZZZZZZZ" + String(repeating: "0", count: 8 * 11)
        do {
            _ = try Unpacker().unpack(Data(notHex.utf8), name: "bad.cpio")
            Issue.record("a non-hexadecimal header was accepted")
        } catch {
            #expect(error.description == "bad.cpio: byte 14: cpio newc field 1 is not hexadecimal (\"ZZZZZZZZ\")")
        }
    }

    @Test func keepsUnknownBytesAsOneFileWithoutFindingContainers() throws {
        let blob = seeded(99, 300_000)
        let tree = try Unpacker().unpack(blob, name: "random.bin")
        #expect(tree.files.count == 1)
        #expect(tree["/random.bin"]?.extractor == "raw")
        #expect(tree.refusals.isEmpty)
    }

    @Test func readsARootDirectoryWithoutFollowingLinksOutOfIt() throws {
        let bench = try Workbench()
        defer { bench.remove() }
        try Self.plantRoot(bench)
        try bench.symlink("root/etc/host-shadow", to: "/etc/shadow")
        try bench.symlink("root/etc/outside", to: "../../../../../../etc/hostname")
        let tree = try Self.unpack(bench.path("root"))
        #expect(tree["/bin/busybox"]?.extractor == "directory")
        #expect(tree["/bin/busybox"]?.isSetUID == true)
        #expect(tree["/etc/host-shadow"]?.kind == .symlink)
        #expect(tree["/etc/host-shadow"]?.content.isEmpty == true, "a link is never followed on disk")
        #expect(tree["/etc/outside"] == nil)
        #expect(tree.refusals.map(\.entry) == ["etc/outside"])
    }
}

/// Damaged and hostile inputs: every variant either unpacks or fails with a `FirmwareError`; none traps.
@Suite struct HostileInputTests {
    static func samples() throws -> [(String, Data)] {
        let bench = try Workbench()
        defer { bench.remove() }
        try UnpackingTests.plantRoot(bench)
        try bench.run("tar", ["--format=pax", "-C", "root", "-cf", "a.tar", "."])
        try bench.run("sh", ["-c", "cd root && find . | cpio -o -H newc > ../a.cpio 2>/dev/null && find . | cpio -o -H odc > ../b.cpio 2>/dev/null"])
        try bench.run("sh", ["-c", "gzip -c a.tar > a.tgz"])
        try bench.run(
            "python3",
            ["-c", "import zipfile\nwith zipfile.ZipFile('a.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n    z.write('root/etc/passwd', 'etc/passwd')"])
        var samples = [
            ("a.tar", try Data(contentsOf: URL(fileURLWithPath: bench.path("a.tar")))),
            ("a.cpio", try Data(contentsOf: URL(fileURLWithPath: bench.path("a.cpio")))),
            ("b.cpio", try Data(contentsOf: URL(fileURLWithPath: bench.path("b.cpio")))),
            ("a.tgz", try Data(contentsOf: URL(fileURLWithPath: bench.path("a.tgz")))),
        ]
        samples.append(("a.zip", try Data(contentsOf: URL(fileURLWithPath: bench.path("a.zip")))))
        let kernel = uImage(Data("Linux version 5.4.0 payload".utf8), name: "k", compression: 0)
        samples.append(("k.uimage", kernel))
        samples.append(("t.trx", trx([kernel, samples[0].1])))
        return samples
    }

    @Test func mutatedAndTruncatedContainersNeverTrap() throws {
        var generator = SeededBytes(seed: 2024)
        var outcomes = (unpacked: 0, refused: 0)
        for (name, original) in try Self.samples() {
            for round in 0..<60 {
                var data = original
                let noise = generator.next(16)
                switch round % 3 {
                case 0:  // flip bytes in the first kilobyte, where the headers are
                    for i in 0..<4 {
                        let at = Int(noise[i * 2]) << 2 | Int(noise[i * 2 + 1]) & 0x3
                        if at < data.count { data[data.startIndex + at] ^= noise[8 + i] | 1 }
                    }
                case 1:  // truncate
                    data = data.prefix(Int(UInt16(noise[0]) << 8 | UInt16(noise[1])) % max(1, data.count))
                default:  // overwrite a 4-byte field with a huge value
                    let at = (Int(noise[0]) << 4) % max(1, data.count - 4)
                    data.replaceSubrange((data.startIndex + at)..<(data.startIndex + at + 4), with: [0xff, 0xff, 0xff, 0x7f])
                }
                do {
                    _ = try Unpacker(limits: UnpackLimits(maxTotalBytes: 4 << 20, maxFileBytes: 4 << 20, toolSeconds: 10)).unpack(data, name: name)
                    outcomes.unpacked += 1
                } catch {
                    #expect(!error.description.isEmpty)
                    #expect(error.file.hasPrefix(name))
                    outcomes.refused += 1
                }
            }
        }
        #expect(outcomes.unpacked + outcomes.refused >= 360)
        #expect(outcomes.refused > 0, "damage is noticed")
    }
}
