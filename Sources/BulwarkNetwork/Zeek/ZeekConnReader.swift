import Foundation

/// Reads a Zeek `conn.log`, tab-separated (with its `#fields` header) or JSON lines, as ``FlowRecord``s, one line at a
/// time. A line that cannot be read is counted in ``diagnostics`` with its line number and skipped.
public struct ZeekConnReader: IteratorProtocol, Sequence {
    public enum Format: String, Sendable { case tsv, json }

    public let file: String
    /// `file`, as the origins of the records name it.
    private let name: InternedName
    public private(set) var format: Format
    public private(set) var diagnostics = InputDiagnostics()
    private let input: ByteInput
    private var lineNumber = 0
    private var separator: UInt8 = 9
    private var unsetField = "-"
    private var emptyField = "(empty)"
    private var columns: [String: Int] = [:]

    public init(path: String) throws(CaptureError) {
        try self.init(input: ByteInput(path: path), file: path)
    }

    public init(bytes: [UInt8], file: String) throws(CaptureError) {
        try self.init(input: ByteInput(bytes: bytes), file: file)
    }

    public init(input: ByteInput, file: String) throws(CaptureError) {
        self.input = input
        self.file = file
        name = InternedName(file)
        guard let first = input.peek(Swift.min(input.fill(1), 1))?.first else {
            throw CaptureError.unknownFormat(file: file, detail: "empty file, not a Zeek conn.log")
        }
        switch first {
        case UInt8(ascii: "{"): format = .json
        case UInt8(ascii: "#"): format = .tsv
        default: throw CaptureError.unknownFormat(file: file, detail: "not a Zeek conn.log: expected a '#separator' header or a JSON object")
        }
    }

    /// Whether bytes at the start of a file look like a Zeek log.
    public static func looksLikeConnLog(_ head: ArraySlice<UInt8>) -> Bool {
        head.starts(with: Array("#separator".utf8)) || (head.first == UInt8(ascii: "{") && head.contains(UInt8(ascii: "\"")) && String(decoding: head, as: UTF8.self).contains("id.orig_h"))
    }

    public mutating func next() -> FlowRecord? {
        while let line = input.nextLine() {
            lineNumber += 1
            if line.isEmpty { continue }
            let place = "\(file):\(lineNumber)"
            if format == .tsv, line.first == UInt8(ascii: "#") {
                readDirective(line, place: place)
                continue
            }
            let result = format == .tsv ? tsvRecord(line) : jsonRecord(line)
            switch result {
            case .success(let record): return record
            case .failure(let failure): diagnostics.record(.malformedRecord, at: place, failure.message)
            }
        }
        return nil
    }

    struct Failure: Error { let message: String }

    private mutating func readDirective(_ line: ArraySlice<UInt8>, place: String) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("#separator ") {
            let value = text.dropFirst("#separator ".count)
            if value.hasPrefix("\\x"), let code = UInt8(value.dropFirst(2), radix: 16) {
                separator = code
            } else if let byte = value.utf8.first {
                separator = byte
            }
            return
        }
        let parts = line.split(separator: separator, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard let directive = parts.first else { return }
        switch directive {
        case "#unset_field": if parts.count > 1 { unsetField = parts[1] }
        case "#empty_field": if parts.count > 1 { emptyField = parts[1] }
        case "#fields":
            columns = [:]
            for (index, name) in parts.dropFirst().enumerated() { columns[name] = index }
            for required in ["ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"] where columns[required] == nil {
                diagnostics.record(.malformedHeader, at: place, "#fields has no '\(required)' column")
            }
        default: break
        }
    }

    private func tsvRecord(_ line: ArraySlice<UInt8>) -> Result<FlowRecord, Failure> {
        guard !columns.isEmpty else { return .failure(Failure(message: "a record before the #fields header")) }
        let cells = line.split(separator: separator, omittingEmptySubsequences: false)
        func value(_ name: String) -> String? {
            guard let index = columns[name], index < cells.count else { return nil }
            let text = String(decoding: cells[index], as: UTF8.self)
            return text == unsetField || text == emptyField ? nil : text
        }
        guard cells.count >= columns.count else {
            return .failure(Failure(message: "\(cells.count) fields, the header names \(columns.count)"))
        }
        return build(value)
    }

    private func jsonRecord(_ line: ArraySlice<UInt8>) -> Result<FlowRecord, Failure> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            return .failure(Failure(message: "not a JSON object"))
        }
        return build { name in
            switch object[name] {
            case let text as String: text
            case let number as NSNumber: number.stringValue
            default: nil
            }
        }
    }

    /// Times and durations beyond this many seconds (the year 5138) are refused as bad input.
    static let latestTime = 1e11

    /// The record on the current line, from its fields by name.
    private func build(_ value: (String) -> String?) -> Result<FlowRecord, Failure> {
        guard let tsText = value("ts"), let ts = Double(tsText) else { return .failure(Failure(message: "field 'ts' is missing or not a time")) }
        // Seconds since 1970: "inf", "nan" or a time past the year 5000 is not a time any sensor wrote.
        guard ts.isFinite, ts >= 0, ts < Self.latestTime else { return .failure(Failure(message: "field 'ts': \"\(tsText)\" is not a time")) }
        guard let origText = value("id.orig_h"), let originator = HostAddress(origText) else {
            return .failure(Failure(message: "field 'id.orig_h': \"\(value("id.orig_h") ?? "")\" is not an IP address"))
        }
        guard let respText = value("id.resp_h"), let responder = HostAddress(respText) else {
            return .failure(Failure(message: "field 'id.resp_h': \"\(value("id.resp_h") ?? "")\" is not an IP address"))
        }
        guard let origPort = value("id.orig_p").flatMap({ UInt16($0) }), let respPort = value("id.resp_p").flatMap({ UInt16($0) }) else {
            return .failure(Failure(message: "field 'id.orig_p' or 'id.resp_p' is not a port"))
        }
        let transport: UInt8
        switch value("proto") {
        case "tcp": transport = 6
        case "udp": transport = 17
        case "icmp": transport = origText.contains(":") ? 58 : 1
        case let other?: return .failure(Failure(message: "field 'proto': unknown protocol \"\(other)\""))
        case nil: return .failure(Failure(message: "field 'proto' is missing"))
        }
        func count(_ name: String) -> Result<UInt64, Failure> {
            guard let text = value(name) else { return .success(0) }
            guard let number = UInt64(text) else { return .failure(Failure(message: "field '\(name)': \"\(text)\" is not a count")) }
            return .success(number)
        }
        let counts = ["orig_pkts", "resp_pkts", "orig_ip_bytes", "resp_ip_bytes", "orig_bytes", "resp_bytes"].map(count)
        var numbers: [UInt64] = []
        for result in counts {
            switch result {
            case .success(let n): numbers.append(n)
            case .failure(let failure): return .failure(failure)
            }
        }
        // Unset ("-") is no duration; a number that is not a finite span of time is refused.
        let duration = value("duration").flatMap(Double.init) ?? 0
        guard duration.isFinite, duration >= 0, duration < Self.latestTime else {
            return .failure(Failure(message: "field 'duration': \"\(value("duration") ?? "")\" is not a duration"))
        }
        let history = value("history") ?? ""
        let outcome: FlowRecord.Outcome
        if transport != 6 {
            outcome = .unknown
        } else {
            // Zeek's conn_state values (base/protocols/conn/main.zeek).
            switch value("conn_state") {
            case "REJ": outcome = .rejected
            case "S0", "RSTOS0", "SH": outcome = .unanswered
            case "SF", "S1", "S2", "S3", "RSTO", "RSTRH", "SHR": outcome = .established
            case "RSTR": outcome = history.isEmpty || history.contains("h") ? .established : .rejected
            default: outcome = .unknown
            }
        }
        var service = value("service")
        if service == nil, transport == 6, respPort == 23 || respPort == 2323 { service = "telnet" }
        return .success(
            FlowRecord(
                start: ts, end: ts + duration, originator: originator, responder: responder, originatorPort: origPort, responderPort: respPort,
                transport: transport, originatorPackets: numbers[0], responderPackets: numbers[1],
                originatorBytes: numbers[2] > 0 ? numbers[2] : numbers[4], responderBytes: numbers[3] > 0 ? numbers[3] : numbers[5], outcome: outcome,
                originatorMAC: value("orig_l2_addr").flatMap { HardwareAddress($0) }, responderMAC: value("resp_l2_addr").flatMap { HardwareAddress($0) },
                serviceName: service.map { InternedName($0) }, source: .logLine(file: self.name, line: lineNumber)))
    }
}
