import BulwarkLedger
import BulwarkStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct LedgerCommandLineTests {
    static func keyDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-keys-\(UUID().uuidString)").path
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o777
    }

    @Test func appendsProvesAndVerifiesABundleWithAWitnessQuorum() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let keys = Self.keyDirectory()
        defer {
            cli.remove()
            try? FileManager.default.removeItem(atPath: keys)
        }
        _ = try cli.run(["org", "create", "Harbourside", "--kind", "operator"])
        let evidence = try cli.write("site survey, Leeds\n", name: "survey.txt")
        let appended = try cli.run(["ledger", "append", evidence, "--format", "json"])
        #expect(appended.status == 0, "\(appended.stderr)")
        // SHA-256 of "site survey, Leeds\n".
        let digest = EvidenceDigest()
        var expected = digest
        expected.update(Array("site survey, Leeds\n".utf8))
        #expect(appended.stdout.contains("\"sha256\":\"\(expected.finalize())\""))
        #expect(appended.stdout.contains("\"index\":0"))
        let checkpoint = try cli.run(["ledger", "checkpoint", "--key-dir", keys, "--witness", "witness.test"])
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        #expect(checkpoint.stdout.hasPrefix("bulwark.local/ledger\n1\n"))
        #expect(checkpoint.stdout.contains("\n\u{2014} bulwark.local/ledger "))
        #expect(checkpoint.stdout.contains("\n\u{2014} witness.test "))
        #expect(Self.mode(keys) == 0o700)
        #expect(Self.mode("\(keys)/bulwark.local_ledger.key") == 0o600)
        #expect(Self.mode("\(keys)/witness.test.key") == 0o600)
        let bundle = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).proof.json").path
        defer { try? FileManager.default.removeItem(atPath: bundle) }
        #expect(try cli.run(["ledger", "prove", "0", "--output", bundle]).status == 0)
        let logKey = "\(keys)/bulwark.local_ledger.pub"
        let witnessKey = try String(contentsOfFile: "\(keys)/witness.test.pub", encoding: .utf8).trimmingCharacters(in: .newlines)
        // A cosigner verifier key: its key part is base64 of 0x04 and the key.
        #expect(Data(base64Encoded: String(witnessKey.split(separator: "+", maxSplits: 2)[2]))?.first == 0x04)
        #expect(try SignedNote(parsing: checkpoint.stdout).cosignatureTime(of: try NoteVerifierKey(witnessKey)) != nil)
        let verified = try cli.run(["ledger", "verify", bundle, "--key", logKey, "--key", witnessKey, "--quorum", "2"], withDatabase: false)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("verified: evidence.file entry"))
        #expect(verified.stdout.contains("is in bulwark.local/ledger at size 1, signed by bulwark.local/ledger, witness.test"))
    }

    @Test func aBundleFailsAgainstAnotherKeyOrWhenAltered() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let keys = Self.keyDirectory()
        let otherKeys = Self.keyDirectory()
        defer {
            cli.remove()
            try? FileManager.default.removeItem(atPath: keys)
            try? FileManager.default.removeItem(atPath: otherKeys)
        }
        _ = try cli.run(["org", "create", "Harbourside", "--kind", "operator"])
        _ = try cli.run(["ledger", "append", try cli.write("a", name: "a.txt"), try cli.write("b", name: "b.txt")])
        _ = try cli.run(["ledger", "checkpoint", "--key-dir", keys])
        let stranger = BulwarkProcess.make()
        defer { stranger.remove() }
        _ = try stranger.run(["ledger", "checkpoint", "--key-dir", otherKeys])
        let bundle = try cli.run(["ledger", "prove", "1"])
        #expect(bundle.status == 0)
        let path = try cli.write(bundle.stdout, name: "b.proof.json")
        let wrongKey = try cli.run(["ledger", "verify", path, "--key", "\(otherKeys)/bulwark.local_ledger.pub"], withDatabase: false)
        #expect(wrongKey.status != 0)
        #expect(wrongKey.stderr.contains("NOT verified: signed note: 1 of 1 keys must sign; signed by none of the given keys"))
        let altered = try cli.write(bundle.stdout.replacingOccurrences(of: "b.txt", with: "c.txt"), name: "c.proof.json")
        let tampered = try cli.run(["ledger", "verify", altered, "--key", "\(keys)/bulwark.local_ledger.pub"], withDatabase: false)
        #expect(tampered.status != 0)
        #expect(tampered.stderr.contains("NOT verified: inclusion proof fails: the proof leads to root"))
        let missing = try cli.run(["ledger", "prove", "7"])
        #expect(missing.stderr.contains("ledger entry 7 was not found"))
    }

    /// A stream of appends killed with SIGKILL keeps every acknowledged entry and every checkpoint published before.
    @Test func killingAnAppenderLosesNoAcknowledgedEntry() async throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let keys = Self.keyDirectory()
        defer {
            cli.remove()
            try? FileManager.default.removeItem(atPath: keys)
        }
        _ = try cli.run(["org", "create", "Harbourside", "--kind", "operator"])
        let evidence = try cli.write("evidence", name: "e.txt")
        let child = Process()
        child.executableURL = BulwarkProcess.executable
        child.arguments = ["ledger", "append", "--stdin", "--database", cli.database]
        let input = Pipe()
        let output = Pipe()
        child.standardInput = input
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()
        // The pipe is kept topped up (well inside its 64 KiB buffer), so appends are still under way when the kill lands.
        let line = Data((evidence + "\n").utf8)
        var acknowledged: [UInt64] = []
        var written = 0
        func topUp() {
            while written - acknowledged.count < 500 {
                PipeDrain.writeAll(input.fileHandleForWriting, line)
                written += 1
            }
        }
        var checkpoints: [UInt64] = []
        var pending = ""
        while acknowledged.count < 60 || checkpoints.count < 3 {
            topUp()
            let chunk = PipeDrain.readSome(output.fileHandleForReading)
            guard !chunk.isEmpty else { break }
            pending += String(decoding: chunk, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let ack = pending[..<newline]
                pending = String(pending[pending.index(after: newline)...])
                if let index = ack.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) }) { acknowledged.append(index) }
            }
            if acknowledged.count >= (checkpoints.count + 1) * 15 {
                let published = try cli.run(["ledger", "checkpoint", "--key-dir", keys])
                #expect(published.status == 0, "\(published.stderr)")
                if let size = published.stdout.split(separator: "\n").dropFirst().first.flatMap({ UInt64($0) }) { checkpoints.append(size) }
            }
        }
        // A fresh burst of lines right before the kill, so it lands while appends are being made.
        for _ in 0..<300 { PipeDrain.writeAll(input.fileHandleForWriting, line) }
        written += 300
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        try input.fileHandleForWriting.close()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= 60)
        #expect(checkpoints.count >= 3)
        #expect(acknowledged == Array(0..<UInt64(acknowledged.count)))

        let store = SQLStore(database: try Database.open(cli.database))
        // Closed whether verification succeeds or throws: a pool dropped unclosed stops the whole test process.
        let outcome: Result<(LedgerCheck, UInt64), any Error>
        do {
            let key = try NoteVerifierKey(try String(contentsOfFile: "\(keys)/bulwark.local_ledger.pub", encoding: .utf8))
            outcome = .success((try await store.verifyLedger(keys: [key]), try await store.ledgerSize()))
        } catch {
            outcome = .failure(error)
        }
        await store.database.close()
        let (check, size) = try outcome.get()
        #expect(size >= UInt64(acknowledged.count))
        #expect(size < UInt64(written), "the appender had finished its input before the kill; nothing was interrupted")
        #expect(check.size == size)
        #expect(Set(checkpoints).isSubset(of: Set(check.checkpointSizes)))
    }
}
