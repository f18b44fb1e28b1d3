import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The evidence ledger's entries of an embedded SQLite database, in an append-only file beside it (`PATH-ledger`).
///
/// Why a file: a 1 KiB entry written into SQLite pages cost about 10 µs (a WAL frame, the checkpoint's second write,
/// overflow pages), five times its SHA-256; appending it to a file costs a copy into the page cache. The database stays
/// the authority on what the file holds: `ledger_head.file_end` is how many bytes of the file are entries, and each
/// entry bundle row says which bytes are its entries. An append writes its bytes at `file_end` while it holds SQLite's
/// write lock and moves `file_end` in the same transaction, so bytes past `file_end` are only ever the remains of an
/// append that did not commit, and the next append writes over them.
///
/// Durability matches SQLite's `synchronous = NORMAL`: a committed append survives the process being killed (the bytes
/// are in the page cache before the commit); `synchronise()` flushes the file to disk before a checkpoint is signed,
/// so what a published checkpoint covers is on disk.
///
/// Space is reserved ahead of the writes (`posix_fallocate`), because extending a file a megabyte at a time spent more
/// time in the file system's block allocation than in copying. The reserved tail reads as zeros and lies past
/// `file_end`.
final class LedgerEntryFile: Sendable {
    /// The file beside a SQLite database at `databasePath`.
    static func path(besideDatabase databasePath: String) -> String { databasePath + "-ledger" }

    let path: String
    private let descriptor: Int32
    /// How many bytes of the file are reserved on disk, as far as this process knows.
    private let reserved: Mutex<Int64>

    /// Opens or creates the file, readable and writable by its owner only.
    init(path: String) throws(StoreError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .unavailable(location: path, reason: "cannot open the ledger's entry file: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .unavailable(location: path, reason: "cannot read the size of the ledger's entry file: \(reason)")
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
                throw .unavailable(location: path, reason: "cannot write the ledger's entries: \(String(cString: strerror(errno)))")
            }
            written += result
        }
    }

    /// The `count` bytes at `offset`; a file that ends before them is reported as tampering by the caller.
    func read(at offset: Int64, count: Int) throws(StoreError) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .unavailable(location: path, reason: "cannot read the ledger's entries: \(String(cString: strerror(errno)))")
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
            throw .unavailable(location: path, reason: "cannot flush the ledger's entries to disk: \(String(cString: strerror(errno)))")
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
            throw .unavailable(location: path, reason: "cannot reserve space for the ledger's entries: \(String(cString: strerror(failure)))")
        }
    }
}
