import BulwarkStore
import BulwarkVulnerability

/// Real vulnerabilities of the demo trunk's components, so the demo has something to match before any feed is
/// imported. Each is abridged from its NVD record to the CVSS v3.1 vector and the version bounds that decide the demo's
/// component versions; importing the real NVD feed replaces them. The KEV entry is CISA's (catalogue 2025.08.25).
enum DemoAdvisories {
    static let source = "demo"
    static let file = "demo world (abridged NVD records)"

    static func cpe(_ vendor: String, _ product: String, part: String = "a") -> String {
        "cpe:2.3:\(part):\(vendor):\(product):*:*:*:*:*:*:*:*"
    }

    static let records: [Advisory] = [
        nvd(
            "CVE-2022-0778", published: "2022-03-15", summary: "OpenSSL: BN_mod_sqrt() loops forever on non-prime moduli, so a crafted certificate stops the service.",
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
            matches: [
                .init(criteria: cpe("openssl", "openssl"), vulnerable: true, versionStartIncluding: "1.0.2", versionEndExcluding: "1.0.2zd"),
                .init(criteria: cpe("openssl", "openssl"), vulnerable: true, versionStartIncluding: "1.1.0", versionEndExcluding: "1.1.1n"),
                .init(criteria: cpe("openssl", "openssl"), vulnerable: true, versionStartIncluding: "3.0.0", versionEndExcluding: "3.0.2"),
            ]),
        nvd(
            "CVE-2021-3711", published: "2021-08-24", summary: "OpenSSL: buffer overflow in SM2 decryption.",
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            matches: [.init(criteria: cpe("openssl", "openssl"), vulnerable: true, versionStartIncluding: "1.1.1", versionEndExcluding: "1.1.1l")]),
        nvd(
            "CVE-2023-0286", published: "2023-02-08", summary: "OpenSSL: type confusion in X.400 address processing inside an X.509 GeneralName.",
            vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H",
            matches: [
                .init(criteria: cpe("openssl", "openssl"), vulnerable: true, versionStartIncluding: "1.0.2", versionEndExcluding: "1.0.2zg"),
                .init(criteria: cpe("openssl", "openssl"), vulnerable: true, versionStartIncluding: "1.1.1", versionEndExcluding: "1.1.1t"),
                .init(criteria: cpe("openssl", "openssl"), vulnerable: true, versionStartIncluding: "3.0.0", versionEndExcluding: "3.0.8"),
            ]),
        nvd(
            "CVE-2022-28391", published: "2022-04-03", summary: "BusyBox: netstat prints DNS PTR records unescaped, letting a remote name inject terminal sequences.",
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
            matches: [.init(criteria: cpe("busybox", "busybox"), vulnerable: true, versionEndIncluding: "1.35.0")]),
        nvd(
            "CVE-2020-36254", published: "2021-02-25", summary: "Dropbear: scp mishandles a file name of . or an empty file name, letting a server overwrite client files.",
            vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
            matches: [.init(criteria: cpe("dropbear_ssh_project", "dropbear_ssh"), vulnerable: true, versionEndExcluding: "2020.79")]),
        nvd(
            "CVE-2024-1086", published: "2024-01-31", summary: "Linux kernel: use-after-free in netfilter nf_tables gives local privilege escalation.",
            vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
            matches: [
                .init(criteria: cpe("linux", "linux_kernel", part: "o"), vulnerable: true, versionStartIncluding: "3.15", versionEndExcluding: "5.15.149"),
                .init(criteria: cpe("linux", "linux_kernel", part: "o"), vulnerable: true, versionStartIncluding: "5.16", versionEndExcluding: "6.1.76"),
                .init(criteria: cpe("linux", "linux_kernel", part: "o"), vulnerable: true, versionStartIncluding: "6.2", versionEndExcluding: "6.6.15"),
                .init(criteria: cpe("linux", "linux_kernel", part: "o"), vulnerable: true, versionStartIncluding: "6.7", versionEndExcluding: "6.7.3"),
            ]),
    ]

    static let kev = KEVCatalogue(
        catalogVersion: "2025.08.25", dateReleased: "2025-08-25T17:04:19.9796Z",
        entries: [
            .init(
                cveID: "CVE-2024-1086", vendorProject: "Linux", product: "Kernel", vulnerabilityName: "Linux Kernel Use-After-Free Vulnerability",
                dateAdded: "2024-05-30", dueDate: "2024-06-20", knownRansomwareCampaignUse: "Unknown",
                requiredAction:
                    "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.")
        ])

    private static func nvd(_ id: String, published: String, summary: String, vector: String, matches: [Advisory.CPEMatch]) -> Advisory {
        Advisory(
            id: id, aliases: [], source: source, modified: published + "T00:00:00Z", published: published + "T00:00:00Z", summary: summary,
            affected: [], cpeMatches: matches, severities: [.init(type: "CVSS_V3", vector: vector, baseScore: nil)], withdrawn: nil)
    }

    /// Stores the demo advisories when no feed has been imported, and the KEV entry when no catalogue has.
    static func install(in store: SQLStore) async throws {
        if try await store.advisoryCounts().isEmpty {
            _ = try await store.importAdvisories(records, source: source, file: file, skipped: 0)
        }
        if try await store.kevEntries(for: ["CVE-2024-1086"]).isEmpty, try await store.feedImportCount(source: "cisa-kev") == 0 {
            _ = try await store.importKEV(kev, file: file, skipped: 0)
        }
    }
}
