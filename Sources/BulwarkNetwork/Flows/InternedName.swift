import Foundation

/// A name kept once for the life of the process and referred to by its number, so that a value carrying it is plain
/// data: a ``FlowRecord`` is copied without reference counting however many windows keep it.
///
/// Meant for the few names a process meets again and again: the files it reads, application protocols, origin texts
/// given by a caller. The process keeps at most ``limit`` distinct names and ``byteLimit`` bytes of them, so that input
/// full of distinct names (a hostile log's service column, say) cannot make memory grow without end. A name past
/// either reads as a note saying it was not kept; `ssh` and `telnet`, which the rules compare, are always kept.
public struct InternedName: Hashable, Sendable, CustomStringConvertible {
    let number: UInt32

    /// How many distinct names the process keeps.
    public static let limit = 1 << 20
    /// How many bytes of names (UTF-8) the process keeps.
    public static let byteLimit = 64 << 20

    /// The number of every name that was not kept.
    static let notKept = UInt32.max

    public init(_ text: String) {
        number = Self.book.number(for: text)
    }

    init(number: UInt32) { self.number = number }

    public var text: String { Self.book.text(number) }

    public var description: String { text }

    // Kept first, whatever the input: a name that was not kept must never compare equal to them.
    static let ssh = InternedName(number: 0)
    static let telnet = InternedName(number: 1)

    private static let book = Book(limit: limit, byteLimit: byteLimit, reserving: ["ssh", "telnet"])

    /// Every name kept, in the order first met, and the number of each.
    // @unchecked Sendable: `texts`, `numbers` and `bytes` are only touched under `lock`; the limits are `let`.
    final class Book: @unchecked Sendable {
        private let lock = NSLock()
        private let limit: Int
        private let byteLimit: Int
        private var texts: [String] = []
        private var numbers: [String: UInt32] = [:]
        private var bytes = 0

        /// A book holding `reserved` as numbers 0, 1, …
        init(limit: Int, byteLimit: Int, reserving reserved: [String] = []) {
            self.limit = limit
            self.byteLimit = byteLimit
            for text in reserved { _ = number(for: text, evenPastLimits: true) }
        }

        /// The name's number; ``InternedName/notKept`` when it is new and the book is full.
        func number(for text: String, evenPastLimits: Bool = false) -> UInt32 {
            lock.withLock {
                if let known = numbers[text] { return known }
                let size = text.utf8.count
                guard evenPastLimits || (texts.count < limit && bytes + size <= byteLimit) else { return InternedName.notKept }
                let number = UInt32(texts.count)
                texts.append(text)
                numbers[text] = number
                bytes += size
                return number
            }
        }

        func text(_ number: UInt32) -> String {
            guard number != InternedName.notKept else { return "(name not kept: more than \(limit) distinct names or \(byteLimit >> 20) MiB of them)" }
            return lock.withLock { texts[Int(number)] }
        }
    }
}
