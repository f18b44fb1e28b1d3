import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only file of the evidence ledger beside an embedded SQLite database: the entries (`PATH-ledger`) or the
/// tree's hashes (`PATH-ledger-nodes`).
///
/// Why files: a 1 KiB entry written into SQLite pages cost about 10 µs (a WAL frame, the checkpoint's second write,
/// overflow pages), five times its SHA-256; appending it to a file costs a copy into the page cache. The hashes went the
/// same way: kept as tiles in SQLite, a batch of 1,000 entries rewrote about 300 KB of WAL (partial tiles are rewritten
/// whole), which cost more than hashing the entries; in a file it is 64 KB written once.
///
/// The database stays the authority on what a file holds. For entries, `ledger_head.file_end` is how many bytes of the
/// file are entries, and each entry bundle row says which bytes are its entries. For hashes, the ledger's size says how
/// many there are (`LedgerLayout.storedCount(forSize:)`). An append writes at that end while it holds SQLite's write
/// lock and moves the end in the same transaction, so bytes past it are only ever the remains of an append that did not
/// commit, and the next append writes over them.
///
/// Durability matches SQLite's `synchronous = NORMAL`: a committed append survives the process being killed (the bytes
/// are in the page cache before the commit); `synchronise()` flushes the file to disk before a checkpoint is signed,
/// so what a published checkpoint covers is on disk.
///
/// Space is reserved ahead of the writes (`posix_fallocate`), because extending a file a megabyte at a time spent more
/// time in the file system's block allocation than in copying. The reserved tail reads as zeros and lies past
/// the end the database names.
///
/// The kernel writes the pages out and evicts them as it does for any file. Dropping written ranges from the page cache
/// behind the appends (`posix_fadvise`) was tried and taken out: it made the appending process start the writeback
/// itself, which on two cores cost the append pipeline a quarter of its rate.
final class LedgerFile: Sendable {
    /// The entry file beside a SQLite database at `databasePath`.
    static func entriesPath(besideDatabase databasePath: String) -> String { databasePath + "-ledger" }
    /// The hash file beside a SQLite database at `databasePath`.
    static func nodesPath(besideDatabase databasePath: String) -> String { databasePath + "-ledger-nodes" }

    let path: String
    private let descriptor: Int32
    /// How many bytes of the file are reserved on disk, as far as this process knows.
    private let reserved: Mutex<Int64>

    /// Opens or creates the file, readable and writable by its owner only.
    init(path: String) throws(StoreError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .unavailable(location: path, reason: "cannot open the ledger file: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .unavailable(location: path, reason: "cannot read the size of the ledger file: \(reason)")
        }
        self.path = path
        self.descriptor = descriptor
        self.reserved = Mutex(Int64(status.st_size))
    }

    deinit { close(descriptor) }

    /// Writes `bytes` at `offset`, reserving space ahead first when the write would pass the reserved end.
    func write(_ bytes: [UInt8], at offset: Int64) throws(StoreError) {
        let end = offset + Int64(bytes.count)
        try reserve(through: end)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + written, buffer.count - written, off_t(offset) + off_t(written))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .unavailable(location: path, reason: "cannot write the ledger file: \(String(cString: strerror(errno)))")
            }
            written += result
        }
    }

    /// The `count` bytes at `offset`, or nil when the file ends before them (the caller reports that as tampering).
    func read(at offset: Int64, count: Int) throws(StoreError) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .unavailable(location: path, reason: "cannot read the ledger file: \(String(cString: strerror(errno)))")
            }
            if result == 0 { return nil }
            done += result
        }
        return bytes
    }

    /// Flushes the file's data to disk.
    func synchronise() throws(StoreError) {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw .unavailable(location: path, reason: "cannot flush the ledger file to disk: \(String(cString: strerror(errno)))")
        }
    }

    /// Reserves space through `end`, a quarter of the file ahead (between 1 MiB and 64 MiB), so appends rarely extend it.
    private func reserve(through end: Int64) throws(StoreError) {
        let failure: Int32? = reserved.withLock { reserved in
            guard end > reserved else { return nil }
            let step = min(max(end / 4, 1 << 20), 64 << 20)
            let target = end + step
            let result = posix_fallocate(descriptor, off_t(reserved), off_t(target - reserved))
            // A file system that cannot reserve space still takes plain writes; only the speed differs.
            guard result == 0 || result == EOPNOTSUPP || result == EINVAL else { return result }
            reserved = target
            return nil
        }
        if let failure {
            throw .unavailable(location: path, reason: "cannot reserve space in the ledger file: \(String(cString: strerror(failure)))")
        }
    }
}
