/// The schema's history. Never edit a released migration; add a new one.
public enum Schema {
    public static let migrations: [Migration] = [
        identity, inventory, deviceListIndexes, ledger, vulnerabilityFeeds, vex, ledgerTiles, ledgerFindings, trafficAnalyses, firmwareKeys,
        firmwareFingerprints, ledgerEntryFile,
    ]

    static let identity = Migration(
        version: 1,
        name: "organisations, users, tokens, sessions, audit log",
        statements: [
            """
            CREATE TABLE organisations (
                id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, created_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE data_shares (
                owner_org TEXT NOT NULL REFERENCES organisations(id), reader_org TEXT NOT NULL REFERENCES organisations(id),
                created_at TEXT NOT NULL, PRIMARY KEY (owner_org, reader_org))
            """,
            "CREATE INDEX data_shares_reader ON data_shares (reader_org)",
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), email TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at TEXT NOT NULL)
            """,
            "CREATE INDEX users_org ON users (org_id)",
            """
            CREATE TABLE api_tokens (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), name TEXT NOT NULL, role TEXT NOT NULL,
                prefix TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
                revoked_at TEXT)
            """,
            "CREATE INDEX api_tokens_org ON api_tokens (org_id)",
            """
            CREATE TABLE sessions (
                secret_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), org_id TEXT NOT NULL,
                csrf_token TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)
            """,
            "CREATE INDEX sessions_user ON sessions (user_id)",
            "CREATE TABLE login_attempts (id TEXT PRIMARY KEY, attempt_key TEXT NOT NULL, at TEXT NOT NULL)",
            "CREATE INDEX login_attempts_key_at ON login_attempts (attempt_key, at)",
            """
            CREATE TABLE audit_events (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                subject TEXT NOT NULL, detail TEXT NOT NULL, remote_address TEXT NOT NULL)
            """,
            "CREATE INDEX audit_events_org_at ON audit_events (org_id, at)",
        ]
    )

    static let inventory = Migration(
        version: 2,
        name: "product lines, products, releases, components, sites, segments, devices, findings",
        statements: [
            """
            CREATE TABLE product_lines (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), name TEXT NOT NULL, trunk TEXT,
                UNIQUE (org_id, name))
            """,
            """
            CREATE TABLE products (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), model TEXT NOT NULL, name TEXT NOT NULL,
                manufacturer TEXT NOT NULL, product_line_id TEXT REFERENCES product_lines(id), category TEXT NOT NULL,
                UNIQUE (org_id, model))
            """,
            """
            CREATE TABLE firmware_releases (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), product_id TEXT NOT NULL REFERENCES products(id),
                version TEXT NOT NULL, released_on TEXT, support_until TEXT, UNIQUE (org_id, product_id, version))
            """,
            """
            CREATE TABLE components (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id),
                release_id TEXT NOT NULL REFERENCES firmware_releases(id), name TEXT NOT NULL, version TEXT NOT NULL,
                supplier TEXT, purl TEXT, cpe TEXT)
            """,
            "CREATE INDEX components_org_release ON components (org_id, release_id)",
            "CREATE INDEX components_org_purl ON components (org_id, purl)",
            """
            CREATE TABLE sites (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), name TEXT NOT NULL, UNIQUE (org_id, name))
            """,
            """
            CREATE TABLE network_segments (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), site_id TEXT NOT NULL REFERENCES sites(id),
                name TEXT NOT NULL, internet_exposed BIGINT NOT NULL, UNIQUE (org_id, site_id, name))
            """,
            """
            CREATE TABLE devices (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), serial TEXT NOT NULL,
                product_id TEXT NOT NULL REFERENCES products(id), release_id TEXT REFERENCES firmware_releases(id),
                site_id TEXT REFERENCES sites(id), segment_id TEXT REFERENCES network_segments(id), ip TEXT, mac TEXT,
                credential_state TEXT NOT NULL, last_seen TEXT, UNIQUE (org_id, serial))
            """,
            "CREATE INDEX devices_org_product ON devices (org_id, product_id)",
            "CREATE INDEX devices_org_site ON devices (org_id, site_id)",
            "CREATE INDEX devices_org_segment ON devices (org_id, segment_id)",
            "CREATE INDEX devices_org_release ON devices (org_id, release_id)",
            "CREATE INDEX devices_org_mac ON devices (org_id, mac)",
            "CREATE INDEX devices_org_ip ON devices (org_id, ip)",
            """
            CREATE TABLE findings (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), subject_kind TEXT NOT NULL,
                subject_id TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL,
                location TEXT, rule TEXT NOT NULL, source TEXT NOT NULL, observed_at TEXT NOT NULL, rule_version TEXT NOT NULL)
            """,
            "CREATE INDEX findings_org_subject ON findings (org_id, subject_kind, subject_id)",
        ]
    )

    /// Measured with Benchmarks/device-list-wrk.sh: filtering by password state scanned every device of the organisation.
    static let deviceListIndexes = Migration(
        version: 3,
        name: "device list indexes",
        statements: ["CREATE INDEX devices_org_credential ON devices (org_id, credential_state, serial)"]
    )

    /// Advisories are reference data shared by every tenant: written only by feed imports, never by a tenant's request.
    static let vulnerabilityFeeds = Migration(
        version: 5,
        name: "advisories, KEV, EPSS and feed import log",
        statements: [
            """
            CREATE TABLE advisories (
                id TEXT PRIMARY KEY, source TEXT NOT NULL, modified TEXT NOT NULL, published TEXT, summary TEXT NOT NULL, withdrawn TEXT,
                record TEXT NOT NULL, imported_at TEXT NOT NULL, import_file TEXT NOT NULL)
            """,
            "CREATE TABLE advisory_aliases (alias TEXT NOT NULL, advisory_id TEXT NOT NULL REFERENCES advisories(id), PRIMARY KEY (alias, advisory_id))",
            "CREATE INDEX advisory_aliases_advisory ON advisory_aliases (advisory_id)",
            """
            CREATE TABLE advisory_packages (
                advisory_id TEXT NOT NULL REFERENCES advisories(id), ecosystem TEXT, name TEXT NOT NULL, purl TEXT)
            """,
            "CREATE INDEX advisory_packages_name ON advisory_packages (name)",
            "CREATE INDEX advisory_packages_advisory ON advisory_packages (advisory_id)",
            """
            CREATE TABLE advisory_cpes (
                advisory_id TEXT NOT NULL REFERENCES advisories(id), vendor TEXT NOT NULL, product TEXT NOT NULL, criteria TEXT NOT NULL)
            """,
            "CREATE INDEX advisory_cpes_product ON advisory_cpes (product, vendor)",
            "CREATE INDEX advisory_cpes_advisory ON advisory_cpes (advisory_id)",
            """
            CREATE TABLE kev_entries (
                cve_id TEXT PRIMARY KEY, vendor_project TEXT NOT NULL, product TEXT NOT NULL, name TEXT NOT NULL, date_added TEXT NOT NULL,
                due_date TEXT NOT NULL, ransomware TEXT NOT NULL, required_action TEXT NOT NULL, catalog_version TEXT NOT NULL)
            """,
            """
            CREATE TABLE epss_scores (
                cve_id TEXT PRIMARY KEY, probability TEXT NOT NULL, percentile TEXT NOT NULL, score_date TEXT, model_version TEXT)
            """,
            // Blast radius looks components up by name as well as by purl.
            "CREATE INDEX components_org_name ON components (org_id, name, version)",
            """
            CREATE TABLE feed_imports (
                id TEXT PRIMARY KEY, source TEXT NOT NULL, file TEXT NOT NULL, at TEXT NOT NULL, seen BIGINT NOT NULL, changed BIGINT NOT NULL,
                skipped BIGINT NOT NULL)
            """,
        ]
    )

    /// The evidence ledger: one global append-only log (entries name the organisation they are about), the hash of every
    /// complete subtree so a proof is one read of O(log n) rows, the signed checkpoints, and a one-row head that appends
    /// lock so that two writers on PostgreSQL take turns (SQLite's BEGIN IMMEDIATE already does).
    static let ledger = Migration(
        version: 4,
        name: "evidence ledger",
        statements: [
            """
            CREATE TABLE ledger_entries (
                idx BIGINT PRIMARY KEY, org_id TEXT NOT NULL, kind TEXT NOT NULL, recorded_at TEXT NOT NULL, content TEXT NOT NULL)
            """,
            "CREATE INDEX ledger_entries_org ON ledger_entries (org_id, idx)",
            "CREATE TABLE ledger_nodes (level BIGINT NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (level, idx))",
            "CREATE TABLE ledger_checkpoints (size BIGINT PRIMARY KEY, root TEXT NOT NULL, note TEXT NOT NULL, created_at TEXT NOT NULL)",
            "CREATE TABLE ledger_head (id BIGINT PRIMARY KEY, size BIGINT NOT NULL)",
            "INSERT INTO ledger_head (id, size) VALUES (1, 0)",
        ]
    )

    /// VEX statements: an organisation's verdict on one vulnerability in one component (keyed as matching keys it), the
    /// latest per pair; earlier verdicts stay in the audit log.
    static let vex = Migration(
        version: 6,
        name: "VEX statements",
        statements: [
            """
            CREATE TABLE vex_statements (
                org_id TEXT NOT NULL REFERENCES organisations(id), vulnerability TEXT NOT NULL, component TEXT NOT NULL, status TEXT NOT NULL,
                justification TEXT, detail TEXT, author TEXT NOT NULL, stated_at TEXT NOT NULL, PRIMARY KEY (org_id, vulnerability, component))
            """
        ]
    )

    /// The ledger in tiles and entry bundles (see `LedgerLayout`): an append of 1,000 entries wrote about 3,000 rows in
    /// the layout of migration 4 and ran at 2% of the SHA-256 rate (Benchmarks/Ledger). Existing rows are carried over
    /// as they are: each old entry becomes a bundle of one, and each level's node rows are joined into tiles in index
    /// order (`string_agg ... ORDER BY` reads the same on PostgreSQL and SQLite 3.44 and later).
    static let ledgerTiles = Migration(
        version: 8,
        name: "evidence ledger in tiles and entry bundles",
        statements: [
            """
            CREATE TABLE ledger_entry_bundles (
                first_idx BIGINT PRIMARY KEY, count BIGINT NOT NULL, org_id TEXT NOT NULL, entries TEXT NOT NULL)
            """,
            "CREATE TABLE ledger_tiles (level BIGINT NOT NULL, idx BIGINT NOT NULL, hashes TEXT NOT NULL, PRIMARY KEY (level, idx))",
            "INSERT INTO ledger_entry_bundles (first_idx, count, org_id, entries) SELECT idx, 1, org_id, content FROM ledger_entries",
            """
            INSERT INTO ledger_tiles (level, idx, hashes)
            SELECT level, idx / 256, string_agg(hash, '' ORDER BY idx) FROM ledger_nodes GROUP BY level, idx / 256
            """,
            "DROP TABLE ledger_nodes",
            "DROP TABLE ledger_entries",
        ]
    )

    /// Which ledger entries log which findings, so a page showing a finding can link to its proof bundle. The digest of
    /// the logged payload tells whether the finding as stored now is still the one that was logged.
    static let ledgerFindings = Migration(
        version: 9,
        name: "ledger entries of findings",
        statements: [
            """
            CREATE TABLE ledger_findings (
                org_id TEXT NOT NULL, finding_id TEXT NOT NULL, idx BIGINT NOT NULL, payload_sha256 TEXT NOT NULL,
                PRIMARY KEY (org_id, finding_id, idx))
            """
        ]
    )

    /// Traffic analyses: heavy streams are not stored, only each run's counters (what was read, what was bad, how many
    /// alerts); the alerts themselves are findings.
    static let trafficAnalyses = Migration(
        version: 10,
        name: "traffic analysis runs",
        statements: [
            """
            CREATE TABLE traffic_analyses (
                id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(id), at TEXT NOT NULL, files TEXT NOT NULL,
                packets BIGINT NOT NULL, flows BIGINT NOT NULL, lookups BIGINT NOT NULL, bad_input BIGINT NOT NULL, alerts BIGINT NOT NULL,
                counters TEXT NOT NULL)
            """,
            "CREATE INDEX traffic_analyses_org ON traffic_analyses (org_id, at)",
        ]
    )

    /// Private keys and certificates found in firmware releases, by fingerprint, so that the same key shipped in several
    /// releases or products can be found. Numbered 12; 11 is left for work that lands separately.
    static let firmwareKeys = Migration(
        version: 12,
        name: "firmware key fingerprints",
        statements: [
            """
            CREATE TABLE firmware_keys (
                org_id TEXT NOT NULL REFERENCES organisations(id), release_id TEXT NOT NULL, fingerprint TEXT NOT NULL, kind TEXT NOT NULL,
                algorithm TEXT NOT NULL, file TEXT NOT NULL, PRIMARY KEY (org_id, release_id, fingerprint, file))
            """,
            "CREATE INDEX firmware_keys_fingerprint ON firmware_keys (org_id, fingerprint)",
        ]
    )

    /// Every regular file of an analysed release by SHA-256, with a similarity digest for binaries, so that code shared
    /// between releases and product lines can be traced. `block_size` narrows similarity look-ups to the digests that can
    /// score (equal, half or double block size); `component` names what was identified in the file.
    static let firmwareFingerprints = Migration(
        version: 13,
        name: "firmware file fingerprints",
        statements: [
            """
            CREATE TABLE firmware_fingerprints (
                org_id TEXT NOT NULL REFERENCES organisations(id), release_id TEXT NOT NULL, path TEXT NOT NULL,
                size BIGINT NOT NULL, sha256 TEXT NOT NULL, similarity TEXT, block_size BIGINT, binary_file BIGINT NOT NULL, component TEXT,
                component_version TEXT, PRIMARY KEY (org_id, release_id, path))
            """,
            "CREATE INDEX firmware_fingerprints_sha256 ON firmware_fingerprints (org_id, sha256)",
            "CREATE INDEX firmware_fingerprints_block ON firmware_fingerprints (org_id, block_size)",
            "CREATE INDEX firmware_fingerprints_component ON firmware_fingerprints (org_id, component)",
        ]
    )

    /// On SQLite, entries appended from now on are kept in the file beside the database (see `LedgerFile`): a bundle
    /// row then says where its entries are (`file_offset`, `file_length`) and its `entries` column is empty, and
    /// `ledger_head.file_end` is how many bytes of the file are entries. Bundles written before stay as they are.
    static let ledgerEntryFile = Migration(
        version: 15,
        name: "ledger entries in a file beside SQLite",
        statements: [
            "ALTER TABLE ledger_entry_bundles ADD COLUMN file_offset BIGINT",
            "ALTER TABLE ledger_entry_bundles ADD COLUMN file_length BIGINT",
            "ALTER TABLE ledger_head ADD COLUMN file_end BIGINT NOT NULL DEFAULT 0",
        ]
    )
}
