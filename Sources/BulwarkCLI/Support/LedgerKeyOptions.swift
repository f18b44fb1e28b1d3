import ArgumentParser
import BulwarkLedger
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--key-dir` and `--origin`: where the ledger's signing keys live and the log's name.
///
/// A key is generated on first use and kept as `NAME.key` (mode 0600, in a directory of mode 0700) beside
/// `NAME.pub`, the verifier key anyone may have.
struct LedgerKeyOptions: ParsableArguments {
    @Option(
        name: .customLong("key-dir"),
        help: ArgumentHelp(
            "Directory of the ledger's signing keys.", discussion: "Defaults to bulwark-keys beside the SQLite file, or in the current directory.",
            valueName: "dir"))
    var keyDirectory: String?

    @Option(help: ArgumentHelp("The log's origin line, also its key's name.", valueName: "name"))
    var origin: String = ProcessInfo.processInfo.environment["BULWARK_LEDGER_ORIGIN"] ?? "bulwark.local/ledger"

    /// The key directory for a database URL when `--key-dir` is not given.
    func directory(for database: String) -> String {
        if let keyDirectory { return keyDirectory }
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") { return "bulwark-keys" }
        let path = database.hasPrefix("sqlite:") ? String(database.dropFirst("sqlite:".count)) : database
        return URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("bulwark-keys").path
    }

    /// The signing key named `name`, created with restrictive permissions if it does not exist yet.
    ///
    /// `type` is what the key signs as: the log signs plain notes, a witness makes tlog-cosignature/v1 cosignatures. A
    /// witness key kept from before cosignatures (type 0x01 in its file) cosigns with the same seed, and its `.pub` file
    /// is rewritten to the cosigner verifier key (type 0x04) that checks those cosignatures.
    func signingKey(named name: String, type: NoteSignatureType = .ed25519, database: String) throws -> NoteSigningKey {
        let directory = directory(for: database)
        let file = "\(directory)/\(Self.fileName(name)).key"
        if FileManager.default.fileExists(atPath: file) {
            if let mode = (try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw CLIError("\(file) may be read by others (mode \(String(mode & 0o777, radix: 8))); run chmod 600 \(file)")
            }
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError("cannot read \(file)") }
            let stored = try NoteSigningKey(privateText: text)
            guard stored.type != type else { return stored }
            let key = stored.signing(as: type)
            let verifierFile = "\(directory)/\(Self.fileName(name)).pub"
            try (key.verifierKey.description + "\n").write(toFile: verifierFile, atomically: true, encoding: .utf8)
            Terminal.printError(
                "\(file) signs as type 0x\(String(format: "%02x", type.rawValue)) here; wrote its verifier key \(key.verifierKey) to \(verifierFile)")
            return key
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = try NoteSigningKey(generatingFor: name, type: type)
        // Written whole to a private temporary file, then linked into place: link() fails if the key exists, so of two
        // processes starting at once exactly one key wins, and the loser reads it complete.
        let temporary = "\(file).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw CLIError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        defer { unlink(temporary) }
        let bytes = Array((key.privateText + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == bytes.count else { throw CLIError("cannot write \(temporary)") }
        guard link(temporary, file) == 0 else {
            if errno == EEXIST { return try signingKey(named: name, type: type, database: database) }
            throw CLIError("cannot create \(file): \(String(cString: strerror(errno)))")
        }
        try (key.verifierKey.description + "\n").write(toFile: "\(directory)/\(Self.fileName(name)).pub", atomically: true, encoding: .utf8)
        Terminal.printError("created signing key \(file); its verifier key is \(key.verifierKey)")
        return key
    }

    /// Key names may hold '/', which a file name may not.
    static func fileName(_ name: String) -> String { name.replacingOccurrences(of: "/", with: "_") }
}
