/// Errors of the evidence ledger, each saying which proof, line or key failed and why.
public enum LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An inclusion proof does not hold.
    case inclusion(String)
    /// A consistency proof does not hold.
    case consistency(String)
    /// A size or index outside the tree.
    case outOfRange(String)
    /// A checkpoint's text is not in the C2SP tlog-checkpoint format; `line` counts from 1.
    case checkpoint(line: Int, String)
    /// A signed note is malformed or its signatures are not enough.
    case note(String)
    /// A key in text form cannot be read.
    case key(String)
    /// An offline proof bundle cannot be read or does not verify.
    case bundle(String)
    /// A stored entry or node no longer matches what it should hash to.
    case tampered(String)

    public var description: String {
        switch self {
        case .inclusion(let why): "inclusion proof fails: \(why)"
        case .consistency(let why): "consistency proof fails: \(why)"
        case .outOfRange(let why): "out of range: \(why)"
        case .checkpoint(let line, let why): "checkpoint line \(line): \(why)"
        case .note(let why): "signed note: \(why)"
        case .key(let why): "key: \(why)"
        case .bundle(let why): "proof bundle: \(why)"
        case .tampered(let where_): "the log was altered: \(where_)"
        }
    }
}
