import ArgumentParser
import BulwarkCore
import BulwarkLedger
import BulwarkStore
import Foundation

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The evidence ledger: append evidence, publish signed checkpoints, make and check proof bundles.",
        discussion: """
            One append-only RFC 9162 Merkle log for all organisations; each entry names the organisation it is about and only \
            that organisation (and those it shares with) may read it. Checkpoints are C2SP signed notes anyone can check.

            Examples:
              bulwark ledger append report.pdf --org "Harbourside Retail Group"
              bulwark ledger checkpoint
              bulwark ledger prove 0 --output entry-0.proof.json
              bulwark ledger verify entry-0.proof.json --key bulwark-keys/bulwark.local_ledger.pub
            """,
        subcommands: [Append.self, PublishCheckpoint.self, Prove.self, Verify.self])

    struct Append: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log evidence files by their SHA-256, with their name, size and an optional description.",
            discussion: """
                The files themselves are not stored, only their digests; keep the files, and anyone holding one can later \
                show it is the file that was logged. An entry is committed when its index is printed.

                With --stdin, file paths are read from standard input one per line and each is appended as it arrives, in \
                its own transaction, its index printed once committed.

                Examples:
                  bulwark ledger append photo.jpg survey.pdf --description "site survey, Leeds" --org "Harbourside Retail Group"
                  find evidence -type f | bulwark ledger append --stdin --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Argument(help: ArgumentHelp("The evidence files.", valueName: "file")) var files: [String] = []
        @Flag(help: "Read file paths from standard input, one per line, committing each on its own.") var stdin = false
        @Option(help: "What the evidence is; stored with each file's digest.") var description: String?
        @Option(help: "table or json.") var format: OutputFormat = .table

        func validate() throws {
            guard stdin || !files.isEmpty else { throw ValidationError("name at least one file, or pass --stdin") }
        }

        func run() async throws {
            try await database.withStore { store in
                let principal = try await store.systemPrincipal(for: try await organisation.resolve(in: store))
                if stdin {
                    while let line = readLine(strippingNewline: true) {
                        guard !line.isEmpty else { continue }
                        try await append([line], store: store, principal: principal)
                    }
                } else {
                    try await append(files, store: store, principal: principal)
                }
            }
        }

        private func append(_ paths: [String], store: SQLStore, principal: Principal) async throws {
            let evidence = try paths.map { try Self.digest($0, description: description) }
            let range = try await store.appendToLedger(
                try evidence.map { try LedgerItem(kind: LedgerEntry.Kind.evidenceFile, value: $0) }, by: principal, origin: .commandLine)
            for (index, file) in zip(range, evidence) {
                switch format {
                case .json:
                    struct Line: Encodable {
                        let index: UInt64
                        let name: String
                        let sha256: String
                        let size: UInt64
                    }
                    // One compact object per line, so a script can read each acknowledgement as it comes.
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    let line = try encoder.encode(Line(index: index, name: file.name, sha256: file.sha256, size: file.size))
                    Self.acknowledge(String(decoding: line, as: UTF8.self))
                case .table: Self.acknowledge("entry \(index)  sha256 \(file.sha256)  \(file.name)")
                }
            }
        }

        /// Writes straight to standard output, unbuffered: a line is printed only once its entry is committed, and a
        /// reader must see it then.
        private static func acknowledge(_ line: String) {
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }

        private static func digest(_ path: String, description: String?) throws -> EvidenceFile {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot open \(path): no such file or not readable") }
            defer { try? handle.close() }
            var digest = EvidenceDigest()
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { digest.update(chunk) }
            return EvidenceFile(
                name: URL(fileURLWithPath: path).lastPathComponent, sha256: digest.finalize(), size: digest.size, description: description)
        }
    }

    struct PublishCheckpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Sign and publish a checkpoint of the whole ledger (C2SP tlog-checkpoint as a signed note).",
            discussion: """
                The log's Ed25519 key (named after --origin) is created on first use in --key-dir with mode 0600, beside its \
                verifier key (.pub) for anyone who checks. --witness adds C2SP tlog-cosignature/v1 cosignatures from further \
                keys (verifier keys of type 0x04), so that a verifier can demand a quorum. Publishing again at the same size \
                adds only missing witness cosignatures.

                Examples:
                  bulwark ledger checkpoint
                  bulwark ledger checkpoint --witness witness.example/one --key-dir /etc/bulwark/keys
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var keys: LedgerKeyOptions
        @Option(name: .customLong("witness"), help: ArgumentHelp("A witness key to cosign with (cosignature/v1); repeatable.", valueName: "name"))
        var witnesses: [String] = []

        func run() async throws {
            let signers =
                try [keys.signingKey(named: keys.origin, database: database.resolved)]
                + witnesses.map { try keys.signingKey(named: $0, type: .cosignatureV1, database: database.resolved) }
            try await database.withStore { store in
                let note = try await store.publishLedgerCheckpoint(origin: keys.origin, signers: signers)
                print(note.serialized, terminator: "")
            }
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an offline proof bundle for one entry: the entry, its inclusion proof and the signed checkpoint.",
            discussion: """
                The proof leads to the newest checkpoint, so publish one after appending. Only entries of the organisation \
                (or of organisations that share with it) can be proven.

                Examples:
                  bulwark ledger prove 42 --org "Harbourside Retail Group" --output entry-42.proof.json
                  bulwark ledger prove 42 > entry-42.proof.json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Argument(help: ArgumentHelp("The entry's index, as printed by 'ledger append'.", valueName: "index")) var index: UInt64
        @Option(help: ArgumentHelp("Write the bundle here instead of standard output.", valueName: "file")) var output: String?

        func run() async throws {
            try await database.withStore { store in
                let principal = try await store.systemPrincipal(for: try await organisation.resolve(in: store))
                let data = try await store.ledgerProofBundle(index, for: principal).encoded()
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: data + Data("\n".utf8)) else {
                        throw CLIError("cannot write \(output)")
                    }
                    Terminal.printError("wrote \(output)")
                } else {
                    print(String(decoding: data, as: UTF8.self))
                }
            }
        }
    }
}
