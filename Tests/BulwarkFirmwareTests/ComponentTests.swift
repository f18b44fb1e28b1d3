import BulwarkCore
import BulwarkVulnerability
import Foundation
import Testing

@testable import BulwarkFirmware

@Suite struct ComponentTests {
    static func file(_ path: String, _ content: Data, extractor: String = "unsquashfs") -> FirmwareFile {
        FirmwareFile(path: path, kind: .file, mode: 0o755, content: content, extractor: extractor, origin: ["fw.bin", "squashfs"])
    }

    static func tree(_ files: [FirmwareFile]) -> FileTree {
        var tree = FileTree()
        for file in files { tree.add(file) }
        return tree
    }

    /// Version strings as the real programs carry them.
    static let planted: [(path: String, strings: [String], name: String, version: String, cpe: String)] = [
        (
            "/bin/busybox", ["BusyBox v1.31.1 (2020-03-05 10:12:13 CET) multi-call binary."], "busybox", "1.31.1",
            "cpe:2.3:a:busybox:busybox:1.31.1:*:*:*:*:*:*:*"
        ),
        ("/usr/lib/libssl.so.1.1", ["OpenSSL 1.1.1k  25 Mar 2021"], "openssl", "1.1.1k", "cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*"),
        (
            "/usr/sbin/dropbear", ["SSH-2.0-dropbear_2019.78", "Dropbear SSH multi-purpose"], "dropbear", "2019.78",
            "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2019.78:*:*:*:*:*:*:*"
        ),
        ("/usr/sbin/sshd", ["OpenSSH_8.4p1"], "openssh", "8.4p1", "cpe:2.3:a:openbsd:openssh:8.4p1:*:*:*:*:*:*:*"),
        ("/usr/sbin/lighttpd", ["lighttpd/1.4.59"], "lighttpd", "1.4.59", "cpe:2.3:a:lighttpd:lighttpd:1.4.59:*:*:*:*:*:*:*"),
        ("/usr/sbin/dnsmasq", ["dnsmasq-2.80"], "dnsmasq", "2.80", "cpe:2.3:a:thekelleys:dnsmasq:2.80:*:*:*:*:*:*:*"),
        ("/lib/libc.so.6", ["GNU C Library (GNU libc) stable release version 2.31."], "glibc", "2.31", "cpe:2.3:a:gnu:glibc:2.31:*:*:*:*:*:*:*"),
        ("/lib/ld-musl-armhf.so.1", ["musl libc (armhf)", "1.2.3"], "musl", "1.2.3", "cpe:2.3:a:musl-libc:musl:1.2.3:*:*:*:*:*:*:*"),
        ("/usr/lib/libcurl.so.4", ["libcurl/7.68.0"], "curl", "7.68.0", "cpe:2.3:a:haxx:curl:7.68.0:*:*:*:*:*:*:*"),
        ("/usr/lib/libsqlite3.so.0", ["SQLite format 3", "3.31.1"], "sqlite", "3.31.1", "cpe:2.3:a:sqlite:sqlite:3.31.1:*:*:*:*:*:*:*"),
        (
            "/usr/lib/libupnp.so.6", ["Linux/2.6.36, UPnP/1.0, Portable SDK for UPnP devices/1.6.19"], "libupnp", "1.6.19",
            "cpe:2.3:a:libupnp_project:libupnp:1.6.19:*:*:*:*:*:*:*"
        ),
        ("/lib/libz.so.1", [" inflate 1.2.11 Copyright 1995-2017 Mark Adler "], "zlib", "1.2.11", "cpe:2.3:a:zlib:zlib:1.2.11:*:*:*:*:*:*:*"),
        ("/usr/sbin/hostapd", ["hostapd v2.9"], "hostapd", "2.9", "cpe:2.3:a:w1.fi:hostapd:2.9:*:*:*:*:*:*:*"),
        (
            "/usr/sbin/miniupnpd", ["OpenWRT/OpenWrt UPnP/1.1 MiniUPnPd/2.1"], "miniupnpd", "2.1",
            "cpe:2.3:a:miniupnp_project:miniupnpd:2.1:*:*:*:*:*:*:*"
        ),
        (
            "/usr/sbin/pppd", ["pppd version 2.4.7"], "ppp", "2.4.7",
            "cpe:2.3:a:point-to-point_protocol_project:point-to-point_protocol:2.4.7:*:*:*:*:*:*:*"
        ),
        ("/usr/lib/libexpat.so.1", ["expat_2.2.9"], "expat", "2.2.9", "cpe:2.3:a:libexpat_project:libexpat:2.2.9:*:*:*:*:*:*:*"),
        ("/usr/sbin/iptables", ["iptables v1.8.4"], "iptables", "1.8.4", "cpe:2.3:a:netfilter:iptables:1.8.4:*:*:*:*:*:*:*"),
        ("/usr/bin/lua", ["Lua 5.1.5  Copyright (C) 1994-2012 Lua.org, PUC-Rio"], "lua", "5.1.5", "cpe:2.3:a:lua:lua:5.1.5:*:*:*:*:*:*:*"),
    ]

    @Test func identifiesComponentsFromVersionStringsInBinaries() throws {
        var files = Self.planted.map { Self.file($0.path, elf($0.strings)) }
        files.append(Self.file("/lib/libuClibc-0.9.33.2.so", elf(["nothing to see"])))
        files.append(
            Self.file(
                "/www/js/jquery.min.js", Data("/*! jQuery v1.8.3 jquery.com | jquery.org/license */\n(function(e,t){})".utf8), extractor: "unsquashfs"
            ))
        files.append(
            Self.file(
                "/boot/kernel", elf(["Linux version 4.14.221 (builder@host) (gcc version 7.5.0 (OpenWrt GCC 7.5.0)) #0 SMP"]), extractor: "gzip"))
        let components = ComponentScanner().scan(Self.tree(files))
        for planted in Self.planted {
            let found = components.first { $0.name == planted.name }
            #expect(found?.version == planted.version, "\(planted.name)")
            #expect(found?.cpe == planted.cpe)
            #expect(found?.purl == "pkg:generic/\(planted.name)@\(planted.version)")
            #expect(found?.evidence.first?.file == planted.path)
            #expect(found?.evidence.first?.method == "binary-signature")
        }
        #expect(components.first { $0.name == "uclibc" }?.version == "0.9.33.2")
        #expect(components.first { $0.name == "uclibc" }?.evidence.first?.method == "file-name")
        #expect(components.first { $0.name == "jquery" }?.purl == "pkg:npm/jquery@1.8.3")
        let kernel = try #require(components.first { $0.name == "linux" })
        #expect(kernel.cpe == "cpe:2.3:o:linux:linux_kernel:4.14.221:*:*:*:*:*:*:*")
        #expect(kernel.type == "operating-system")
        #expect(components.count == Self.planted.count + 3)
    }

    @Test func findsNothingInTextFilesRandomBinariesOrLookalikes() {
        let files = [
            Self.file("/usr/share/doc/busybox/README", Data("BusyBox v1.2.3 is great; OpenSSL 1.0.2 25 Mar 2021 too".utf8), extractor: "unsquashfs"),
            Self.file("/usr/bin/random", elf([], padding: 200_000)),
            Self.file("/usr/bin/almost", elf(["OpenSSL 3.0 compatible", "BusyBox vX.Y", "Linux version unknown", "dropbear_", "libcurl/"])),
            Self.file("/usr/lib/libnotsqlite.so", elf(["3.31.1"])),
        ]
        #expect(ComponentScanner().scan(Self.tree(files)).isEmpty)
    }

    /// Debian's builds print their versions through format strings, so the version stands alone or after a `%s`.
    @Test func readsVersionsThatDebianBuildsKeepBesideFormatStrings() {
        let files = [
            Self.file("/usr/sbin/xtables-nft-multi", elf(["iptables v%s (nf_tables): %s", "iptables", "1.8.9 (nf_tables)"])),
            Self.file("/usr/bin/tcpdump", elf(["tcpdump", "%s version 4.99.3", "libpcap version %s"])),
            Self.file("/usr/sbin/pppd", elf(["pppd.so.2.4.9", "/usr/lib/pppd/2.4.9"])),
            // The same shapes without the program's name: not theirs.
            Self.file("/usr/bin/other", elf(["%s version 1.2.3", "2.0.1 (legacy)"])),
        ]
        let components = ComponentScanner().scan(Self.tree(files))
        #expect(components.map(\.key).sorted() == ["iptables@1.8.9", "ppp@2.4.9", "tcpdump@4.99.3"])
        #expect(components.first { $0.name == "tcpdump" }?.evidence.first?.file == "/usr/bin/tcpdump")
    }

    @Test func readsTheVersionsOfRealHostLibraries() throws {
        let libssl = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3"
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        let libcurl = "/usr/lib/x86_64-linux-gnu/libcurl.so.4"
        guard FileManager.default.fileExists(atPath: libssl), FileManager.default.fileExists(atPath: libc) else {
            Issue.record("this test reads Debian's libcrypto.so.3 and libc.so.6 (x86_64)")
            return
        }
        var files = [
            Self.file("/usr/lib/libcrypto.so.3", try Data(contentsOf: URL(fileURLWithPath: libssl))),
            Self.file("/lib/libc.so.6", try Data(contentsOf: URL(fileURLWithPath: libc))),
        ]
        if FileManager.default.fileExists(atPath: libcurl) {
            files.append(Self.file("/usr/lib/libcurl.so.4", try Data(contentsOf: URL(fileURLWithPath: libcurl))))
        }
        let components = ComponentScanner().scan(Self.tree(files))
        let opensslVersion = try Workbench.text("openssl", ["version"]).split(separator: " ")[1]
        #expect(components.first { $0.name == "openssl" }?.version == String(opensslVersion))
        let lddVersion = try Workbench.text("getconf", ["GNU_LIBC_VERSION"]).split(separator: " ").last.map(String.init)
        #expect(components.first { $0.name == "glibc" }?.version == lddVersion)
        if Workbench.has("curl") {
            let curlVersion = try Workbench.text("curl", ["--version"]).split(separator: " ")[1]
            #expect(components.first { $0.name == "curl" }?.version == String(curlVersion))
        }
    }

    @Test func readsPackageDatabasesKernelModulesAndBusyBoxApplets() throws {
        var tree = FileTree()
        tree.add(
            Self.file(
                "/usr/lib/opkg/status",
                Data(
                    """
                    Package: dropbear
                    Version: 2022.82-5
                    Status: install user installed
                    Architecture: mipsel_24kc

                    Package: removed-thing
                    Version: 1.0-1
                    Status: deinstall ok not-installed

                    """.utf8)))
        tree.add(
            Self.file(
                "/var/lib/dpkg/status",
                Data(
                    """
                    Package: openssl
                    Status: install ok installed
                    Version: 3.0.11-1~deb12u2
                    Architecture: armhf
                    Description: Secure Sockets Layer toolkit
                     continuation line: Version: 9.9

                    """.utf8)))
        tree.add(Self.file("/etc/os-release", Data("ID=debian\nVERSION_ID=12\n".utf8)))
        tree.add(FirmwareFile(path: "/lib/modules/5.10.0-21-armmp", kind: .directory, mode: 0o755, extractor: "unsquashfs", origin: []))
        var busybox = elf(["BusyBox v1.36.1 (2023-07-01) multi-call binary."])
        busybox.append(Data("\0[\0[[\0ash\0cat\0ls\0telnetd\0\u{1}".utf8))
        tree.add(Self.file("/bin/busybox", busybox))
        tree.add(
            FirmwareFile(path: "/usr/bin/wget", kind: .symlink, mode: 0o777, linkTarget: "../../bin/busybox", extractor: "unsquashfs", origin: []))
        let components = ComponentScanner().scan(tree)
        let dropbear = try #require(components.first { $0.name == "dropbear" })
        #expect(dropbear.version == "2022.82")
        #expect(dropbear.purl == "pkg:generic/dropbear@2022.82-5")
        #expect(dropbear.cpe == "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2022.82:*:*:*:*:*:*:*")
        let openssl = try #require(components.first { $0.name == "openssl" })
        #expect(openssl.purl == "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=armhf")
        #expect(openssl.version == "3.0.11")
        #expect(!components.contains { $0.name == "removed-thing" })
        #expect(components.first { $0.name == "linux" }?.version == "5.10.0")
        #expect(components.first { $0.name == "busybox" }?.applets == ["[", "[[", "ash", "cat", "ls", "telnetd", "wget"])
    }

    @Test func componentsMatchAdvisoriesThroughTheirCPE() throws {
        let tree = Self.tree([
            Self.file("/bin/busybox", elf(["BusyBox v1.31.1 (2020-03-05) multi-call binary."])),
            Self.file("/usr/sbin/dnsmasq", elf(["dnsmasq-2.90"])),
        ])
        let identities = ComponentScanner().scan(tree).map { ComponentIdentity(name: $0.name, version: $0.version, purl: $0.purl, cpe: $0.cpe) }
        let advisory = Advisory(
            id: "CVE-2022-28391", aliases: [], source: "nvd", modified: "2022-04-03T00:00:00Z", published: nil, summary: "BusyBox netstat escape",
            affected: [],
            cpeMatches: [
                .init(criteria: "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*", vulnerable: true, versionEndIncluding: "1.35.0"),
                .init(criteria: "cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*", vulnerable: true, versionEndExcluding: "2.86"),
            ],
            severities: [], withdrawn: nil)
        let matches = AdvisoryIndex([advisory]).matches(for: identities)
        #expect(matches.map(\.component.name) == ["busybox"], "dnsmasq 2.90 is past the affected range")
        #expect(matches.first?.reason.rule == .cpe)
    }

    @Test func theSignatureSetIsDataWithMoreThanThirtyComponents() throws {
        let set = ComponentSignatureSet.builtIn
        #expect(set.signatures.count >= 33)
        for name in [
            "busybox", "openssl", "dropbear", "openssh", "lighttpd", "dnsmasq", "uclibc", "musl", "glibc", "linux", "curl", "sqlite", "libupnp",
        ] {
            #expect(set.signatures.contains { $0.name == name }, "\(name)")
        }
        #expect(throws: FirmwareError.self) {
            try ComponentSignatureSet(
                json: Data(
                    #"{"version": "x", "signatures": [{"name": "bad", "cpeVendor": "v", "cpeProduct": "p", "type": "library", "packages": [], "patterns": [{"anchor": "a", "regex": "no group"}]}]}"#
                        .utf8), file: "bad.json")
        }
    }
}
