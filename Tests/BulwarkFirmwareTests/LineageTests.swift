import BulwarkCore
import Foundation
import Testing

@testable import BulwarkFirmware

/// Lineage from fingerprints: a camera line and a doorbell line of one trunk sharing a library byte for byte and a
/// rebuilt BusyBox, and a plug line of another trunk sharing nothing.
@Suite struct LineageTests {
    static let libc = seeded(10, 40_000)
    static let busybox = seeded(11, 120_000)
    static let rebuiltBusybox: Data = {
        var bytes = Array(busybox)
        for offset in 0..<8 { bytes[60_000 + offset] ^= 0x5A }
        return Data(bytes)
    }()

    static func file(_ path: String, _ content: Data, binary: Bool = true, component: String? = nil, version: String? = nil) -> FileFingerprint {
        var tree = FileTree()
        tree.add(FirmwareFile(path: path, kind: .file, mode: binary ? 0o755 : 0o644, content: content, extractor: "test", origin: []))
        var fingerprint = FileFingerprint.all(in: tree, components: [])[0]
        fingerprint.component = component
        fingerprint.componentVersion = version
        return fingerprint
    }

    static let inputs: [FirmwareLineage.Input] = [
        .init(
            model: "LC-200", productName: "Lumen Cam", version: "2.4.1", productLine: "Cameras", trunk: "lumen-os",
            files: [
                file("/lib/libc.so", libc), file("/bin/busybox", busybox, component: "busybox", version: "1.31.1"),
                file("/etc/banner", Data(repeating: 0x41, count: 10_000), binary: false),
            ]),
        .init(
            model: "DB-1", productName: "Lumen Bell", version: "1.0.0", productLine: "Doorbells", trunk: "lumen-os",
            files: [
                file("/lib/libc.so", libc), file("/bin/busybox", rebuiltBusybox, component: "busybox"),
                file("/usr/bin/ring", seeded(12, 30_000)),
            ]),
        .init(
            model: "SP-10", productName: "Smart Plug", version: "1.0.3", productLine: "Plugs", trunk: nil,
            files: [file("/bin/plugd", seeded(13, 50_000))]),
    ]

    @Test func sharesIdenticalAndNearIdenticalBytesAcrossProductLinesOfATrunk() throws {
        let lineage = FirmwareLineage(Self.inputs)
        #expect(lineage.trunks.map(\.name) == ["(no trunk)", "lumen-os"])
        let trunk = try #require(lineage.trunks.last)
        #expect(trunk.productLines.map(\.name) == ["Cameras", "Doorbells"])
        let camera = try #require(trunk.productLines.first?.releases.first)
        #expect(camera.bytes == 170_000)
        #expect(camera.identicalBytes == 40_000)
        #expect(camera.similarBytes == 120_000)
        #expect(camera.sharedPercent == 94, "160,000 of 170,000 bytes")
        let bell = try #require(trunk.productLines.last?.releases.first)
        #expect(bell.sharedPercent == 84, "160,000 of 190,000 bytes")
        #expect(lineage.trunks.first?.productLines.first?.releases.first?.sharedPercent == 0)
    }

    @Test func namesTheComponentThatComesFromTheSameTrunk() throws {
        let trunk = try #require(FirmwareLineage(Self.inputs).trunks.last)
        #expect(trunk.components.count == 1)
        let component = try #require(trunk.components.first)
        #expect(component.name == "busybox")
        #expect(component.versions == ["1.31.1"], "the doorbell's BusyBox version string was not identified")
        #expect(component.releases == ["DB-1 1.0.0", "LC-200 2.4.1"])
        #expect(component.match == "similar")
        #expect(component.score >= 90 && component.score < 100)
    }

    @Test func listsPairsOfReleasesThatShareCode() throws {
        let lineage = FirmwareLineage(Self.inputs)
        #expect(lineage.pairs.count == 1, "the plug shares nothing")
        let pair = try #require(lineage.pairs.first)
        #expect((pair.first, pair.second) == ("DB-1 1.0.0", "LC-200 2.4.1"))
        #expect(pair.identicalFiles == 1)
        #expect(pair.identicalBytes == 40_000)
        #expect(pair.similarBinaries == 1)
        #expect(pair.similarBytes == 120_000)
        #expect(pair.sharedPercent == 320_000 * 100 / 360_000)
    }

    @Test func aStricterThresholdDropsTheRebuiltBinary() throws {
        let lineage = FirmwareLineage(Self.inputs, threshold: 100)
        let pair = try #require(lineage.pairs.first)
        #expect(pair.similarBinaries == 0)
        #expect(lineage.trunks.last?.components.isEmpty == true)
    }

    @Test func fingerprintsOnlyBinariesWithADigest() {
        let script = Self.file("/etc/init.d/rcS", Data(("#!/bin/sh\n" + String(repeating: "echo hi\n", count: 1000)).utf8))
        #expect(script.isBinary == false)
        #expect(script.similarity == nil)
        let tiny = Self.file("/bin/true", Data([0x7F, 0x45, 0x4C, 0x46, 1, 2, 3]))
        #expect(tiny.isBinary)
        #expect(tiny.similarity == nil, "below 4 KiB the SHA-256 alone speaks")
        #expect(tiny.sha256.count == 64)
    }
}

/// What changed from one release of a product to the next.
@Suite struct ReleaseHistoryTests {
    static func finding(_ rule: String, at location: String) -> Finding {
        Finding(
            id: .init(rawValue: "\(rule)@\(location)"), organisation: .init(rawValue: "org"), subject: .release(.init(rawValue: "r")), kind: rule,
            severity: .high, title: rule, evidence: .init(summary: "seen", location: location, rule: rule),
            provenance: .init(source: "firmware-scan", observedAt: "2026-11-22T00:00:00Z", version: "test"))
    }

    @Test func comparesFindingsByRuleAndFileComponentsByNameAndFilesByDigest() throws {
        let old = ReleaseHistory.Snapshot(
            version: "1.0", releasedOn: "2025-01-01", devices: 3,
            findings: [Self.finding("services.telnet", at: "/etc/init.d/rcS:3"), Self.finding("credentials.default-password", at: "/etc/shadow:1")],
            components: ["busybox": "1.31.1", "openssl": "1.1.1k"], files: ["/etc/shadow": "aa", "/bin/busybox": "bb", "/old": "cc"])
        let new = ReleaseHistory.Snapshot(
            version: "1.1", releasedOn: "2025-06-01", devices: 0,
            findings: [Self.finding("services.telnet", at: "/etc/init.d/rcS:4"), Self.finding("keys.private", at: "/etc/ssl/key.pem")],
            components: ["busybox": "1.31.1", "openssl": "1.1.1n", "dropbear": "2022.83"],
            files: ["/etc/shadow": "aa", "/bin/busybox": "b2", "/etc/ssl/key.pem": "dd"])
        let history = ReleaseHistory(model: "LC-200", productName: "Lumen Cam", releases: [old, new])
        let difference = try #require(history.differences.first)
        #expect(history.differences.count == 1)
        #expect(difference.findingsAdded.map(\.evidence.rule) == ["keys.private"])
        #expect(difference.findingsRemoved.map(\.evidence.rule) == ["credentials.default-password"], "telnet only moved a line")
        #expect(difference.componentsAdded == ["dropbear 2022.83"])
        #expect(difference.componentsRemoved.isEmpty)
        #expect(difference.componentsChanged == [.init(name: "openssl", from: "1.1.1k", to: "1.1.1n")])
        #expect(difference.filesAdded == ["/etc/ssl/key.pem"])
        #expect(difference.filesRemoved == ["/old"])
        #expect(difference.filesChanged == ["/bin/busybox"])
        #expect(difference.filesCompared)
    }

    @Test func doesNotCompareFilesOfAReleaseNeverAnalysed() throws {
        let analysed = ReleaseHistory.Snapshot(version: "1.0", releasedOn: nil, devices: 0, findings: [], components: [:], files: ["/a": "1"])
        let unknown = ReleaseHistory.Snapshot(version: "2.0", releasedOn: nil, devices: 0, findings: [], components: [:], files: [:])
        let difference = try #require(ReleaseHistory(model: "M", productName: "P", releases: [analysed, unknown]).differences.first)
        #expect(!difference.filesCompared)
        #expect(difference.filesRemoved.isEmpty, "a release without fingerprints did not lose its files")
    }
}
