/// A stored password hash from a passwd or shadow file, recognised by its crypt(3) prefix.
public enum PasswordHash: Hashable, Sendable {
    /// Traditional DES crypt: two salt characters and eleven hash characters.
    case des(String)
    /// `$1$salt$hash`.
    case md5(String)
    /// `$5$[rounds=N$]salt$hash`.
    case sha256(String)
    /// `$6$[rounds=N$]salt$hash`.
    case sha512(String)
    /// A hash in a scheme Bulwark does not crack (bcrypt `$2…$`, yescrypt `$y$`, …), named by its prefix.
    case unsupported(scheme: String)

    private static let desAlphabet = Set(CryptBase64.alphabet)

    /// Recognises a hash field; `nil` for empty or locked fields (`*`, `!`, `x`), which carry no password.
    public init?(field: String) {
        let bytes = Array(field.utf8)
        if field.hasPrefix("$1$") {
            self = .md5(field)
        } else if field.hasPrefix("$5$") {
            self = .sha256(field)
        } else if field.hasPrefix("$6$") {
            self = .sha512(field)
        } else if field.hasPrefix("$") {
            self = .unsupported(scheme: String(field.split(separator: "$").first ?? "?"))
        } else if bytes.count == 13, bytes.allSatisfy(Self.desAlphabet.contains) {
            self = .des(field)
        } else {
            return nil
        }
    }

    public var scheme: String {
        switch self {
        case .des: "des-crypt"
        case .md5: "md5-crypt"
        case .sha256: "sha256-crypt"
        case .sha512: "sha512-crypt"
        case .unsupported(let scheme): "unsupported ($\(scheme)$)"
        }
    }

    /// SHA-crypt rounds above which a hash is not tried: a hostile `rounds=999999999` would otherwise stall an analysis
    /// for hours per candidate password.
    public static let maximumRounds = 200_000

    /// The `rounds=` a SHA-crypt hash asks for, or 5000 when it names none (the specification's default).
    static func rounds(of hash: String) -> Int {
        let fields = hash.split(separator: "$")
        guard fields.count > 1, fields[1].hasPrefix("rounds="), let value = Int(fields[1].dropFirst("rounds=".count)) else { return 5000 }
        return value
    }

    /// Whether `password` produces this hash (always false for SHA-crypt above ``maximumRounds``).
    public func matches(_ password: String) -> Bool {
        let candidate = Array(password.utf8)
        switch self {
        case .sha256(let stored) where Self.rounds(of: stored) > Self.maximumRounds,
            .sha512(let stored) where Self.rounds(of: stored) > Self.maximumRounds:
            return false
        case .des(let stored):
            return DESCrypt.hash(password: candidate, salt: Array(stored.utf8.prefix(2))) == stored
        case .md5(let stored):
            let setting = Array(stored.utf8.dropFirst(3))
            return MD5Crypt.hash(password: candidate, salt: setting) == stored
        case .sha256(let stored):
            return SHACrypt.hash(password: candidate, setting: Array(stored.utf8.dropFirst(3)), variant: .sha256) == stored
        case .sha512(let stored):
            return SHACrypt.hash(password: candidate, setting: Array(stored.utf8.dropFirst(3)), variant: .sha512) == stored
        case .unsupported:
            return false
        }
    }

    /// The crypt(3) hash of `password` under `setting`: a prefix and salt (`$6$salt`, `$5$rounds=N$salt`) or two DES salt
    /// characters.
    public static func crypt(_ password: String, setting: String) -> String? {
        let candidate = Array(password.utf8)
        if setting.hasPrefix("$1$") { return MD5Crypt.hash(password: candidate, salt: Array(setting.utf8.dropFirst(3))) }
        if setting.hasPrefix("$5$") { return SHACrypt.hash(password: candidate, setting: Array(setting.utf8.dropFirst(3)), variant: .sha256) }
        if setting.hasPrefix("$6$") { return SHACrypt.hash(password: candidate, setting: Array(setting.utf8.dropFirst(3)), variant: .sha512) }
        return DESCrypt.hash(password: candidate, salt: Array(setting.utf8.prefix(2)))
    }
}
