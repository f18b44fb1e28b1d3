import Foundation

/// A name kept once for the life of the process and referred to by its number, so that a value carrying it is plain
/// data: a ``FlowRecord`` is copied without reference counting however many windows keep it.
///
/// Meant for the few names a process meets again and again: the files it reads, application protocols, origin texts
/// given by a caller. At most ``limit`` distinct names are kept; a name beyond that is not kept and reads as a note
/// saying so, rather than letting memory grow without end.
public struct InternedName: Hashable, Sendable, CustomStringConvertible {
    let number: UInt32

    /// How many distinct names the process keeps.
    public static let limit = 1 << 20

    /// The number of a name past ``limit``.
    private static let notKept = UInt32.max

    public init(_ text: String) {
        number = Self.book.number(for: text, limit: Self.limit) ?? Self.notKept
    }

    public var text: String {
        number == Self.notKept ? "(name not kept: more than \(Self.limit) distinct names)" : Self.book.text(number)
    }

    public var description: String { text }

    static let ssh = InternedName("ssh")
    static let telnet = InternedName("telnet")

    private static let book = Book()

    /// Every name kept, in the order first met, and the number of each.
    // @unchecked Sendable: `texts` and `numbers` are only touched under `lock`.
    private final class Book: @unchecked Sendable {
        private let lock = NSLock()
        private var texts: [String] = []
        private var numbers: [String: UInt32] = [:]

        func number(for text: String, limit: Int) -> UInt32? {
            lock.withLock {
                if let known = numbers[text] { return known }
                guard texts.count < limit else { return nil }
                let number = UInt32(texts.count)
                texts.append(text)
                numbers[text] = number
                return number
            }
        }

        func text(_ number: UInt32) -> String { lock.withLock { texts[Int(number)] } }
    }
}
