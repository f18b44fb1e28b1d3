import Foundation

/// Username and password pairs that devices ship with or that botnets try; passwords are also tried against every
/// account whatever its name, since vendors reuse them.
public struct CredentialDictionary: Sendable {
    public struct Entry: Hashable, Sendable {
        public var username: String
        public var password: String
        /// Where the pair is known from, e.g. `mirai`.
        public var source: String
    }

    public private(set) var entries: [Entry] = []

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// The built-in list: the Mirai botnet's table and published vendor defaults.
    public static let builtIn: CredentialDictionary = {
        guard let url = Bundle.module.url(forResource: "default-credentials", withExtension: "tsv"),
            let text = try? String(contentsOf: url, encoding: .utf8),
            let dictionary = try? CredentialDictionary.parse(text, file: "default-credentials.tsv", source: nil)
        else { return CredentialDictionary() }
        return dictionary
    }()

    /// Reads `username<TAB>password[<TAB>source or weight]` lines; `#` starts a comment line.
    public static func parse(_ text: String, file: String, source: String?) throws(FirmwareError) -> CredentialDictionary {
        var entries: [Entry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2 else { throw FirmwareError(file: file, place: "line \(index + 1)", "expected username<TAB>password") }
            let third = fields.count > 2 && Int(fields[2]) == nil ? fields[2] : nil
            entries.append(Entry(username: fields[0], password: fields[1], source: source ?? third ?? file))
        }
        return CredentialDictionary(entries: entries)
    }

    public mutating func merge(_ other: CredentialDictionary) {
        var seen = Set(entries.map { "\($0.username)\t\($0.password)" })
        for entry in other.entries where seen.insert("\(entry.username)\t\(entry.password)").inserted { entries.append(entry) }
    }

    /// Passwords to try for one account: the pairs naming it first, then every other distinct password.
    func candidates(for username: String) -> [Entry] {
        var seen = Set<String>()
        var ordered: [Entry] = []
        for entry in entries where entry.username == username && seen.insert(entry.password).inserted { ordered.append(entry) }
        for entry in entries where seen.insert(entry.password).inserted { ordered.append(entry) }
        return ordered
    }
}
