import Foundation

/// Indicators of compromise: IP addresses and networks, and domains (matching their subdomains too).
///
/// Loaded from plain-text lists (one per line, `#` comments) or STIX 2.1 bundles, whose indicator patterns are read
/// for `ipv4-addr:value`, `ipv6-addr:value`, `domain-name:value` and `url:value` comparisons.
public struct IndicatorSet: Sendable {
    struct Network: Sendable {
        var address: HostAddress
        var prefix: Int
        var label: String
    }

    private var addresses: [HostAddress: String] = [:]
    private var networks: [Network] = []
    private var domains: [String: String] = [:]
    public private(set) var diagnostics = InputDiagnostics()

    public init() {}

    public var count: Int { addresses.count + networks.count + domains.count }
    public var isEmpty: Bool { count == 0 }

    /// Adds one indicator given as text: an address, a CIDR network or a domain. Returns false when it is none of those.
    @discardableResult
    public mutating func add(_ text: String, label: String) -> Bool {
        let value = text.trimmingCharacters(in: .whitespaces)
        if let slash = value.firstIndex(of: "/"), let address = HostAddress(value[..<slash]), let prefix = Int(value[value.index(after: slash)...]),
            prefix >= 0, prefix <= (address.isIPv4 ? 32 : 128)
        {
            networks.append(Network(address: address, prefix: prefix, label: label))
            return true
        }
        if let address = HostAddress(value) {
            addresses[address] = label
            return true
        }
        let domain = value.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        guard domain.contains("."), domain.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" }) else { return false }
        domains[domain] = label
        return true
    }

    /// Reads a plain-text list; a line that is not an address, network or domain is counted with its line number.
    public mutating func loadList(_ text: String, file: String) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !line.isEmpty else { continue }
            if !add(line, label: "\(file):\(index + 1)") {
                diagnostics.record(.malformedRecord, at: "\(file):\(index + 1)", "\"\(line)\" is not an IP address, network or domain")
            }
        }
    }

    /// Reads a STIX 2.1 bundle (or a single indicator object); patterns it cannot use are counted with their object id.
    public mutating func loadSTIX(_ data: Data, file: String) throws(CaptureError) {
        guard let json = try? JSONSerialization.jsonObject(with: data) else { throw CaptureError.unknownFormat(file: file, detail: "not JSON, so not a STIX bundle") }
        let objects: [[String: Any]]
        if let bundle = json as? [String: Any], let list = bundle["objects"] as? [[String: Any]] {
            objects = list
        } else if let single = json as? [String: Any] {
            objects = [single]
        } else {
            throw CaptureError.unknownFormat(file: file, detail: "a STIX document is a bundle object with an 'objects' array")
        }
        for (index, object) in objects.enumerated() where object["type"] as? String == "indicator" {
            let id = object["id"] as? String ?? "objects[\(index)]"
            guard let pattern = object["pattern"] as? String, (object["pattern_type"] as? String ?? "stix") == "stix" else {
                diagnostics.record(.malformedRecord, at: "\(file): \(id)", "indicator has no STIX pattern")
                continue
            }
            let label = (object["name"] as? String).map { "\($0) (\(id))" } ?? id
            let values = Self.comparisons(in: pattern)
            if values.isEmpty {
                diagnostics.record(.malformedRecord, at: "\(file): \(id)", "pattern \(pattern) has no address, domain or URL equality")
            }
            for value in values { add(value, label: label) }
        }
    }

    /// The values of `ipv4-addr:value`, `ipv6-addr:value`, `domain-name:value` and `url:value` equality comparisons
    /// (STIX 2.1 §9: `[object-type:property = 'value']`, joined by AND/OR; `\'` escapes a quote).
    static func comparisons(in pattern: String) -> [String] {
        var values: [String] = []
        var rest = Substring(pattern)
        let objects = ["ipv4-addr:value", "ipv6-addr:value", "domain-name:value", "url:value"]
        while let range = objects.compactMap({ rest.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            let object = rest[range]
            rest = rest[range.upperBound...].drop { $0 == " " }
            let isEquality = rest.hasPrefix("=") && !rest.hasPrefix("==")
            rest = rest.drop { $0 == "=" || $0 == " " || $0 == "I" || $0 == "N" || $0 == "(" }
            guard isEquality || rest.first == "'", rest.first == "'" else { continue }
            rest = rest.dropFirst()
            var value = ""
            var escaped = false
            while let c = rest.first {
                rest = rest.dropFirst()
                if escaped {
                    value.append(c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "'" {
                    break
                } else {
                    value.append(c)
                }
            }
            if object == "url:value" {
                guard let host = URL(string: value)?.host else { continue }
                values.append(host)
            } else {
                values.append(value)
            }
        }
        return values
    }

    /// The indicator's label when `address` is listed or lies in a listed network.
    public func match(_ address: HostAddress) -> String? {
        if let label = addresses[address] { return label }
        return networks.first { address.isIn($0.address, prefixLength: $0.prefix) }?.label
    }

    /// The indicator's label when `name` or one of its parent domains is listed.
    public func match(domain name: String) -> String? {
        guard !domains.isEmpty else { return nil }
        var candidate = Substring(name.lowercased())
        while true {
            if let label = domains[String(candidate)] { return label }
            guard let dot = candidate.firstIndex(of: ".") else { return nil }
            candidate = candidate[candidate.index(after: dot)...]
        }
    }
}
