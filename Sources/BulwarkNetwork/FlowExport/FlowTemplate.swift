/// A NetFlow v9 or IPFIX template: the fields of each data record of one template id, in order.
public struct FlowTemplate: Sendable, Hashable {
    public struct Field: Sendable, Hashable {
        /// Information element id (IANA IPFIX registry; v9 shares the numbers below 128).
        public var id: UInt16
        /// Bytes, or 65535 for a variable-length field (RFC 7011 §7).
        public var length: UInt16
        /// IPFIX private enterprise number; 0 for IANA elements.
        public var enterprise: UInt32
    }

    public var id: UInt16
    public var fields: [Field] {
        didSet { layout = Layout(fields) }
    }
    /// Where the elements a flow needs sit among `fields`, worked out once per template rather than once per record.
    private(set) var layout: Layout
    /// Leading scope fields of an options template; options records describe the exporter, not flows.
    public var scopeFieldCount: Int
    /// Export time (seconds) when the template was last received, for expiry.
    public var refreshed: UInt32

    public init(id: UInt16, fields: [Field], scopeFieldCount: Int, refreshed: UInt32) {
        self.id = id
        self.fields = fields
        self.scopeFieldCount = scopeFieldCount
        self.refreshed = refreshed
        layout = Layout(fields)
    }

    public var isOptions: Bool { scopeFieldCount > 0 }

    /// The IANA IPFIX information elements a flow record is made of (v9 shares the numbers below 128).
    enum Element: Int, CaseIterable {
        case octetDeltaCount, packetDeltaCount, protocolIdentifier, tcpControlBits, sourceTransportPort, sourceIPv4, destinationTransportPort
        case destinationIPv4, flowEndSysUpTime, flowStartSysUpTime, sourceIPv6, destinationIPv6, sourceMacAddress, postDestinationMacAddress
        case octetTotalCount, packetTotalCount, flowStartSeconds, flowEndSeconds, flowStartMilliseconds, flowEndMilliseconds

        /// The element's id in the IANA registry.
        var id: UInt16 {
            switch self {
            case .octetDeltaCount: 1
            case .packetDeltaCount: 2
            case .protocolIdentifier: 4
            case .tcpControlBits: 6
            case .sourceTransportPort: 7
            case .sourceIPv4: 8
            case .destinationTransportPort: 11
            case .destinationIPv4: 12
            case .flowEndSysUpTime: 21
            case .flowStartSysUpTime: 22
            case .sourceIPv6: 27
            case .destinationIPv6: 28
            case .sourceMacAddress: 56
            case .postDestinationMacAddress: 80
            case .octetTotalCount: 85
            case .packetTotalCount: 86
            case .flowStartSeconds: 150
            case .flowEndSeconds: 151
            case .flowStartMilliseconds: 152
            case .flowEndMilliseconds: 153
            }
        }
    }

    /// Where the elements a flow needs sit in a record. When an element appears twice, the later field counts;
    /// enterprise-specific fields never stand for an IANA element.
    ///
    /// When every field has a fixed length, each element's place in a record is fixed too: `fixedOffsets` and
    /// `fixedLengths` hold it (one lane per element, length -1 when absent), so a record is read without walking its
    /// fields.
    struct Layout: Sendable, Hashable {
        /// For each field, the ``Element`` it stands for, or -1.
        var elementOfField: [Int8]
        var fixedOffsets: SIMD32<Int32>?
        var fixedLengths = SIMD32<Int32>(repeating: -1)

        init(_ fields: [Field]) {
            elementOfField = [Int8](repeating: -1, count: fields.count)
            for element in Element.allCases {
                if let position = fields.lastIndex(where: { $0.id == element.id && $0.enterprise == 0 }) {
                    elementOfField[position] = Int8(element.rawValue)
                }
            }
            guard !fields.contains(where: { $0.length == 0xFFFF }) else { return }
            var offsets = SIMD32<Int32>(repeating: 0)
            var at: Int32 = 0
            for (position, field) in fields.enumerated() {
                let element = Int(elementOfField[position])
                if element >= 0 {
                    offsets[element] = at
                    fixedLengths[element] = Int32(field.length)
                }
                at += Int32(field.length)
            }
            fixedOffsets = offsets
        }
    }

    /// The smallest size of one record (variable-length fields count their 1-byte length prefix).
    public var minimumRecordLength: Int {
        fields.reduce(0) { $0 + ($1.length == 0xFFFF ? 1 : Int($1.length)) }
    }
}
