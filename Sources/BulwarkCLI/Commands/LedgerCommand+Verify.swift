import ArgumentParser
import BulwarkLedger
import Foundation

extension LedgerCommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an offline proof bundle with no server and no database.",
            discussion: """
                Checks that at least --quorum of the given keys signed the bundle's checkpoint, then that the entry is in the \
                tree the checkpoint commits to (RFC 9162 inclusion proof). Prints one verdict line; exits non-zero when the \
                bundle does not verify.

                Examples:
                  bulwark ledger verify entry-42.proof.json --key bulwark-keys/bulwark.local_ledger.pub
                  bulwark ledger verify entry-42.proof.json --key "$LOG_KEY" --key "$WITNESS_KEY" --quorum 2
                """)

        @Argument(help: ArgumentHelp("The proof bundle file.", valueName: "bundle")) var bundle: String
        @Option(
            name: .customLong("key"),
            help: ArgumentHelp("A verifier key (name+keyid+base64) or a file holding one; repeatable.", valueName: "pubkey"))
        var keys: [String]
        @Option(help: "How many of the keys must have signed.") var quorum: Int = 1

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: bundle) else { throw CLIError("cannot read \(bundle)") }
            let verifiers = try keys.map { text -> NoteVerifierKey in
                if FileManager.default.fileExists(atPath: text), let file = try? String(contentsOfFile: text, encoding: .utf8) {
                    return try NoteVerifierKey(file)
                }
                return try NoteVerifierKey(text)
            }
            do {
                let verdict = try ProofBundle(data: data).verify(keys: verifiers, quorum: quorum)
                print(
                    "verified: \(verdict.entry.kind) entry about organisation \(verdict.entry.organisation), recorded \(verdict.entry.recordedAt), "
                        + "is in \(verdict.checkpoint.origin) at size \(verdict.checkpoint.size), signed by \(verdict.signers.joined(separator: ", "))"
                )
            } catch {
                throw CLIError("NOT verified: \(error)")
            }
        }
    }
}
